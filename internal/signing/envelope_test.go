package signing

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestVerifyEnvelopeExactMembers: the verifier reads the envelope as every
// other JSON reader does. A file holding a forged "record" and, next to it,
// the genuine signed bytes under "Record" (or the key id under
// "\u212aey_id", a Kelvin sign) was verified on the genuine bytes while jq,
// Python and browsers show the forged record (issue 23, point 1).
func TestVerifyEnvelopeExactMembers(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	keys := kr.PublicKeys()
	genuine := signed(t, kr, testRecord{Number: "10000000017", Name: "本物", Stars: 1, Status: "withdrawn"})
	var env Envelope
	if err := json.Unmarshal(genuine, &env); err != nil {
		t.Fatal(err)
	}
	forged := `{"number":"10000000017","name":"偽物","stars":3,"status":"active"}`
	id := `"` + env.KeyID + `"`
	sig := `"` + env.Signature + `"`
	rec := string(env.Record)
	for name, in := range map[string]string{
		"Record next to record":  `{"record":` + forged + `,"Record":` + rec + `,"signature":` + sig + `,"key_id":` + id + `}`,
		"Record alone":           `{"Record":` + rec + `,"signature":` + sig + `,"key_id":` + id + `}`,
		"RECORD":                 `{"RECORD":` + rec + `,"signature":` + sig + `,"key_id":` + id + `}`,
		"Kelvin key_id":          `{"record":` + rec + `,"signature":` + sig + `,"\u212aey_id":` + id + `}`,
		"Kelvin key_id escaped":  `{"record":` + rec + `,"signature":` + sig + `,"\\u212aey_id":` + id + `}`,
		"Signature":              `{"record":` + rec + `,"Signature":` + sig + `,"key_id":` + id + `}`,
		"extra member":           `{"record":` + rec + `,"signature":` + sig + `,"key_id":` + id + `,"note":"x"}`,
		"duplicate key_id":       `{"record":` + rec + `,"signature":` + sig + `,"key_id":"other","key_id":` + id + `}`,
		"escaped duplicate":      `{"record":` + forged + `,"\\u0072ecord":` + rec + `,"signature":` + sig + `,"key_id":` + id + `}`,
		"duplicate in record":    `{"record":` + strings.Replace(rec, `"status":"withdrawn"`, `"status":"active","status":"withdrawn"`, 1) + `,"signature":` + sig + `,"key_id":` + id + `}`,
		"lone surrogate":         `{"record":` + rec + `,"signature":` + sig + `,"key_id":` + id + `,"\ud800":1}`,
		"lone surrogate escape":  `{"record":` + strings.Replace(rec, `本物`, `本物\ud800`, 1) + `,"signature":` + sig + `,"key_id":` + id + `}`,
		"invalid UTF-8":          `{"record":` + rec + `,"signature":` + sig + `,"key_id":` + id + "}\xff",
		"signature not a string": `{"record":` + rec + `,"signature":1,"key_id":` + id + `}`,
		"record is an array":     `{"record":[` + rec + `],"signature":` + sig + `,"key_id":` + id + `}`,
		"trailing value":         `{"record":` + rec + `,"signature":` + sig + `,"key_id":` + id + `} {}`,
	} {
		v, err := VerifyEnvelope([]byte(in), keys)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: want malformed, got %v (verified %s)", name, err, v.Record)
		}
	}
	// The genuine envelope, members in any order and re-indented, verifies.
	reordered := `{ "key_id": ` + id + `, "signature": ` + sig + `, "record": ` + rec + ` }`
	for _, in := range []string{string(genuine), reordered} {
		if _, err := VerifyEnvelope([]byte(in), keys); err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// TestVerifyEnvelopeDeepNesting: nesting is refused as soon as it passes
// MaxDepth. 174,000 nested objects (under the 1 MiB cap) took 76 s and
// 424 MB before the bound, each level's bytes being copied into the one
// above; the test bounds the bytes allocated, not the time (issue 23,
// point 2).
func TestVerifyEnvelopeDeepNesting(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	keys := kr.PublicKeys()
	for _, depth := range []int{20_000, 174_000} {
		var b bytes.Buffer
		b.WriteString(`{"signature":"AA==","key_id":"` + kr.CurrentID() + `","record":`)
		b.WriteString(strings.Repeat(`{"a":`, depth))
		b.WriteString(`1`)
		b.WriteString(strings.Repeat(`}`, depth))
		b.WriteString(`}`)
		if b.Len() > maxFile {
			t.Fatalf("depth %d: %d bytes, over the file cap", depth, b.Len())
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := VerifyEnvelope(b.Bytes(), keys)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "nested deeper") {
			t.Fatalf("depth %d: %v", depth, err)
		}
		// The walk stops at level MaxDepth+1, having read a few kilobytes;
		// the old one copied every level's bytes into the level above.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<16 {
			t.Errorf("depth %d (%d bytes): %d bytes allocated", depth, b.Len(), alloc)
		} else {
			t.Logf("depth %d (%d bytes): %d bytes allocated", depth, b.Len(), alloc)
		}
	}
	// A record as deep as MaxDepth allows is still read.
	deep := strings.Repeat(`{"a":`, MaxDepth-1) + `1` + strings.Repeat(`}`, MaxDepth-1)
	if _, err := CanonicalJSON([]byte(deep)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth-1, err)
	}
	if _, err := CanonicalJSON([]byte(`[` + deep + `]`)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	if _, err := CanonicalJSON([]byte(`[[` + deep + `]]`)); err == nil {
		t.Errorf("depth %d accepted", MaxDepth+1)
	}
}

// seeEnvelope is what a standard JSON reader sees in data: encoding/json
// into map[string]any, which keeps the last of duplicate members and
// matches names exactly.
func seeEnvelope(t *testing.T, data []byte, v Verified, sig string) {
	t.Helper()
	var seen map[string]any
	if err := json.Unmarshal(data, &seen); err != nil {
		t.Fatalf("verified, but a standard reader refuses it: %v\n%q", err, data)
	}
	if len(seen) != 3 || seen["key_id"] != v.KeyID || seen["signature"] != sig {
		t.Fatalf("verified key %q, a standard reader sees %v\n%q", v.KeyID, seen, data)
	}
	var verified any
	if err := json.Unmarshal(v.Record, &verified); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen["record"], verified) {
		t.Fatalf("verified record %s, a standard reader sees %v\n%q", v.Record, seen["record"], data)
	}
}

// FuzzParseEnvelope: what a standard JSON reader sees is what the parser
// returns for verification.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := parseEnvelope(data)
		if err != nil {
			return
		}
		seeEnvelope(t, data, Verified{Record: env.Record, KeyID: env.KeyID}, env.Signature)
	})
}

// FuzzVerifyEnvelope: whenever verification succeeds, a standard JSON
// reader sees the record that was verified, under the key id verified.
func FuzzVerifyEnvelope(f *testing.F) {
	kr, err := Ephemeral()
	if err != nil {
		f.Fatal(err)
	}
	keys := kr.PublicKeys()
	genuine, err := kr.SignJSON(testRecord{Number: "10000000017", Name: "本物", Stars: 1, Status: "withdrawn"})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range envelopeSeeds(f) {
		// The seeds carry this key ring's signature of the genuine
		// record, so mutations start from inputs that verify.
		s = bytes.ReplaceAll(s, []byte(seedKeyID), []byte(kr.CurrentID()))
		f.Add(bytes.ReplaceAll(s, []byte(`"AA=="`), []byte(`"`+genuine.Signature+`"`)))
	}
	g, _ := genuine.Marshal()
	f.Add(g)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := VerifyEnvelope(data, keys)
		if err != nil {
			return
		}
		var seen struct {
			Signature string `json:"signature"`
		}
		json.Unmarshal(data, &seen)
		seeEnvelope(t, data, v, seen.Signature)
	})
}

const seedKeyID = "seed-key"

func envelopeSeeds(f *testing.F) [][]byte {
	rec := `{"name":"本物","number":"10000000017","stars":1,"status":"withdrawn"}`
	forged := `{"name":"偽物","number":"10000000017","stars":3,"status":"active"}`
	tail := `,"signature":"AA==","key_id":"` + seedKeyID + `"}`
	return [][]byte{
		[]byte(`{"record":` + rec + tail),
		[]byte(`{"record":` + forged + `,"Record":` + rec + tail),
		[]byte(`{"record":` + rec + `,"signature":"AA==","\u212aey_id":"` + seedKeyID + `"}`),
		[]byte(`{"record":` + rec + `,"record":` + forged + tail),
		[]byte(`{"record":{"a":[1,2.5,-0,1e21,"\u00e9\ud83d\ude00",null,true,{"b":{}}]}` + tail),
		[]byte(`{"record":{"a":"\ud800"}` + tail),
	}
}

// TestKeysDocumentExactNames: a key document says to the verifier what it
// says to jq: a member folded onto a known name ("Current", a Kelvin-sign
// "key_id", "KEYS") or repeated is refused, not read as the known one.
func TestKeysDocumentExactNames(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(kr.Document())
	doc := string(b)
	for _, in := range []string{
		strings.Replace(doc, `"current":true`, `"current":false,"Current":true`, 1),
		strings.Replace(doc, `"current":true`, `"current":false,"current":true`, 1),
		strings.Replace(doc, `"key_id"`, `"\u212aey_id"`, 1),
		strings.Replace(doc, `{"keys"`, `{"KEYS"`, 1),
		strings.Replace(doc, `{"keys":`, `{"keys":[],"keys":`, 1),
	} {
		if keys, err := ParseKeysDocument([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v %+v", in, err, keys)
		}
	}
	// Members it does not know are left alone, so an issuer may add some.
	extra := strings.Replace(doc, `"current":true`, `"current":true,"not_after":"2030-01-01"`, 1)
	if _, err := ParseKeysDocument([]byte(extra)); err != nil {
		t.Errorf("%s: %v", extra, err)
	}
}
