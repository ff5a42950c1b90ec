package signing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type testRecord struct {
	Number string `json:"number"`
	Name   string `json:"name"`
	Stars  int    `json:"stars"`
	Status string `json:"status"`
}

func signed(t *testing.T, kr *Keyring, rec any) []byte {
	t.Helper()
	env, err := kr.SignJSON(rec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignAndVerify(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	rec := testRecord{Number: "10000000017", Name: "A&B <商事>", Stars: 1, Status: "active"}
	data := signed(t, kr, rec)
	// The record is embedded as its canonical bytes, unescaped.
	canon, _ := Canonicalize(rec)
	if !bytes.Contains(data, canon) {
		t.Fatalf("response does not embed the canonical record:\n%s\n%s", data, canon)
	}
	keys := kr.PublicKeys()
	v, err := VerifyEnvelope(data, keys)
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Record) != string(canon) || v.KeyID != kr.CurrentID() || !v.KeyCurrent {
		t.Fatalf("verified %+v", v)
	}

	// A pretty-printed copy (e.g. through jq) verifies too.
	var pretty bytes.Buffer
	json.Indent(&pretty, data, "", "  ")
	if _, err := VerifyEnvelope(pretty.Bytes(), keys); err != nil {
		t.Fatalf("indented copy: %v", err)
	}

	// Any change of a value does not.
	for _, tamper := range []struct{ from, to string }{
		{`"stars":1`, `"stars":2`},
		{`"status":"active"`, `"status":"activf"`},
		{`A&B`, `A&C`},
		{`"number":"10000000017"`, `"number":"10000000025"`},
		{`"stars":1`, `"stars":1,"extra":true`},
	} {
		bad := bytes.Replace(data, []byte(tamper.from), []byte(tamper.to), 1)
		if bytes.Equal(bad, data) {
			t.Fatalf("tamper %q did not apply", tamper.from)
		}
		if _, err := VerifyEnvelope(bad, keys); !errors.Is(err, ErrBadSignature) {
			t.Errorf("tamper %q → %q: %v", tamper.from, tamper.to, err)
		}
	}
	// A duplicated member cannot smuggle in a second value.
	dup := bytes.Replace(data, []byte(`"status":"active"`), []byte(`"status":"active","status":"withdrawn"`), 1)
	if _, err := VerifyEnvelope(dup, keys); !errors.Is(err, ErrMalformed) {
		t.Errorf("duplicate member: %v", err)
	}
	dupRec := bytes.Replace(data, []byte(`{"record":`), []byte(`{"record":{"number":"1"},"record":`), 1)
	if _, err := VerifyEnvelope(dupRec, keys); !errors.Is(err, ErrMalformed) {
		t.Errorf("duplicate record: %v", err)
	}

	// The signature of one record does not fit another.
	var env Envelope
	json.Unmarshal(data, &env)
	other := signed(t, kr, testRecord{Number: "10000000025", Name: "X", Stars: 1, Status: "active"})
	var env2 Envelope
	json.Unmarshal(other, &env2)
	env2.Signature = env.Signature
	swapped, _ := env2.Marshal()
	if _, err := VerifyEnvelope(swapped, keys); !errors.Is(err, ErrBadSignature) {
		t.Errorf("swapped signature: %v", err)
	}
	// A flipped signature bit.
	sig, _ := base64.StdEncoding.DecodeString(env.Signature)
	sig[10] ^= 1
	if err := Verify(keys[0].Key, env.Record, base64.StdEncoding.EncodeToString(sig)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("flipped bit: %v", err)
	}

	// Unknown key id, and a key of the same id with another key.
	other2, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyEnvelope(data, other2.PublicKeys()); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	impostor := []PublicKey{{ID: kr.CurrentID(), Key: other2.PublicKeys()[0].Key, Current: true}}
	if _, err := VerifyEnvelope(data, impostor); !errors.Is(err, ErrBadSignature) {
		t.Errorf("impostor key: %v", err)
	}
	wrongID := bytes.Replace(data, []byte(kr.CurrentID()), []byte(other2.CurrentID()), 1)
	if _, err := VerifyEnvelope(wrongID, keys); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("wrong key id: %v", err)
	}

	// Malformed input.
	for _, in := range []string{``, `[]`, `{}`, `{"record":{}}`, `{"record":1,"signature":"AA==","key_id":"x"}`,
		`{"record":{},"signature":"***","key_id":"` + kr.CurrentID() + `"}`,
		`{"record":{},"signature":"AA==","key_id":"` + kr.CurrentID() + `"}`,
		string(data) + `{}`, `not json`} {
		if _, err := VerifyEnvelope([]byte(in), keys); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", in, err)
		}
	}
	if err := Verify(ed25519.PublicKey{1, 2}, env.Record, env.Signature); !errors.Is(err, ErrMalformed) {
		t.Errorf("short key: %v", err)
	}
}

func TestRotatedKeyVerifiesOlderRecord(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	old := signed(t, kr, testRecord{Number: "10000000017", Name: "old", Stars: 1, Status: "active"})
	oldID := kr.CurrentID()
	if _, err := kr.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	v, err := VerifyEnvelope(old, kr.PublicKeys())
	if err != nil || v.KeyID != oldID || v.KeyCurrent {
		t.Fatalf("older record: %+v %v", v, err)
	}
	v, err = VerifyEnvelope(signed(t, kr, testRecord{Number: "10000000017"}), kr.PublicKeys())
	if err != nil || v.KeyID == oldID || !v.KeyCurrent {
		t.Fatalf("newer record: %+v %v", v, err)
	}
}

func TestKeysDocument(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	kr.Rotate(context.Background())
	b, _ := json.Marshal(kr.Document())
	keys, err := ParseKeysDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != kr.CurrentID() || !keys[0].Current || keys[1].Current {
		t.Fatalf("%+v", keys)
	}
	for i, k := range kr.PublicKeys() {
		if !k.Key.Equal(keys[i].Key) {
			t.Fatalf("key %d differs", i)
		}
	}
	var doc map[string][]map[string]any
	json.Unmarshal(b, &doc)
	if e := doc["keys"][0]; e["alg"] != "Ed25519" || e["current"] != true || len(e["public_key"].(string)) != 44 || e["key_id"] != kr.CurrentID() {
		t.Fatalf("entry %v", e)
	}

	other, _ := Ephemeral()
	otherKey := base64.StdEncoding.EncodeToString(other.PublicKeys()[0].Key)
	for _, in := range []string{
		`{}`, `{"keys":[]}`, `nope`,
		strings.Replace(string(b), `"Ed25519"`, `"RS256"`, 1),
		strings.Replace(string(b), base64.StdEncoding.EncodeToString(kr.PublicKeys()[0].Key), otherKey, 1), // id does not match key
		strings.Replace(string(b), base64.StdEncoding.EncodeToString(kr.PublicKeys()[0].Key), "AAAA", 1),
	} {
		if _, err := ParseKeysDocument([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	kr, err := Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	const data = "/the/data/dir"
	local := func(dataDir, url string) ([]PublicKey, error) {
		if dataDir != data {
			return nil, errors.New("no store there")
		}
		return kr.PublicKeys(), nil
	}
	dir := t.TempDir()
	rec := filepath.Join(dir, "decl.json")
	os.WriteFile(rec, signed(t, kr, testRecord{Number: "10000000017", Name: "山田精機\x1b[2J\u202e", Stars: 2, Status: "withdrawn"}), 0o644)
	keysFile := filepath.Join(dir, "keys.json")
	b, _ := json.Marshal(kr.Document())
	os.WriteFile(keysFile, b, 0o644)

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := VerifyCommand(args, &out, &errb, local)
		return code, out.String(), errb.String()
	}
	want := "valid: 10000000017 山田精機?[2J? 2 withdrawn (key " + kr.CurrentID() + ")\n"
	for _, args := range [][]string{{"--key-file", keysFile, rec}, {rec, "--key-file", keysFile}, {"--key-file=" + keysFile, rec}, {"--data-dir", data, rec}} {
		code, out, errs := run(args...)
		if code != 0 || out != want {
			t.Errorf("%v: %d %q %q", args, code, out, errs)
		}
	}

	// Tampered file, unknown key, malformed file, missing file.
	raw, _ := os.ReadFile(rec)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Replace(raw, []byte(`"stars":2`), []byte(`"stars":1`), 1), 0o644)
	if code, out, errs := run("--key-file", keysFile, bad); code != 1 || out != "" || !strings.Contains(errs, "NOT VALID") || !strings.Contains(errs, "changed after it was signed") {
		t.Errorf("tampered: %d %q %q", code, out, errs)
	}
	other, _ := Ephemeral()
	otherKeys := filepath.Join(dir, "other.json")
	b, _ = json.Marshal(other.Document())
	os.WriteFile(otherKeys, b, 0o644)
	if code, _, errs := run("--key-file", otherKeys, rec); code != 1 || !strings.Contains(errs, "unknown key id") {
		t.Errorf("unknown key: %d %q", code, errs)
	}
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte("<html>"), 0o644)
	if code, _, errs := run("--key-file", keysFile, junk); code != 1 || !strings.Contains(errs, "malformed") {
		t.Errorf("junk: %d %q", code, errs)
	}
	if code, _, _ := run("--key-file", keysFile, filepath.Join(dir, "missing.json")); code != 1 {
		t.Errorf("missing file: %d", code)
	}
	if code, _, errs := run("--key-file", junk, rec); code != 1 || !strings.Contains(errs, "key file") {
		t.Errorf("bad key file: %d %q", code, errs)
	}
	if code, _, _ := run("--data-dir", t.TempDir(), rec); code != 1 {
		t.Errorf("empty data dir: %d", code)
	}

	// Usage errors.
	for _, args := range [][]string{{}, {rec}, {"--key-file", keysFile}, {"--key-file", keysFile, "--data-dir", data, rec}, {"--key-file", keysFile, rec, rec}, {"--bogus", rec}} {
		if code, _, _ := run(args...); code != 2 {
			t.Errorf("%v: %d", args, code)
		}
	}
	if code, _, errs := run("-h"); code != 0 || !strings.Contains(errs, "Usage") {
		t.Errorf("-h: %d %q", code, errs)
	}
}

// The worked example of docs/verification.md verifies, and stops verifying
// when the status is changed.
func TestDocumentedExample(t *testing.T) {
	const decl = `{"record":{"corporate_number":"7000012050002","declared_at":"2026-04-01T00:00:00Z","issuer":"https://mamori.example.jp","name":"山田精機株式会社","number":"10000000017","policy_url":"","prefecture":"13","signed_at":"2026-05-01T09:30:15Z","stars":1,"status":"active","updated_at":"2026-04-01T00:00:00Z"},"signature":"lVOTd3i6S0iQ9iAgUkaibxcdibMBQh79tztnu/PtOSA2pLZ8Ro7Tvkpz+E9AcF7MsV2XCdtk1I008vMzm1xsCg==","key_id":"4e46f61b47e293ed"}`
	const keys = `{"keys":[{"key_id":"4e46f61b47e293ed","alg":"Ed25519","public_key":"aD9kv/q06VRxWeYmWITOYHnTeW9eBzb2864FX3D0C4I=","current":true}]}`
	dir := t.TempDir()
	declPath, keysPath := filepath.Join(dir, "10000000017.json"), filepath.Join(dir, "mamori-keys.json")
	os.WriteFile(declPath, []byte(decl+"\n"), 0o644)
	os.WriteFile(keysPath, []byte(keys+"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := VerifyCommand([]string{"--key-file", keysPath, declPath}, &out, &errb, nil); code != 0 || out.String() != "valid: 10000000017 山田精機株式会社 1 active (key 4e46f61b47e293ed)\n" {
		t.Fatalf("%d %q %q", code, out.String(), errb.String())
	}
	os.WriteFile(declPath, []byte(strings.Replace(decl, `"status":"active"`, `"status":"withdrawn"`, 1)), 0o644)
	if code := VerifyCommand([]string{"--key-file", keysPath, declPath}, &out, &errb, nil); code != 1 {
		t.Fatalf("changed status: %d", code)
	}
}
