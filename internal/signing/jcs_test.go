package signing

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// RFC 8785 §3.2.3: members sorted by UTF-16 code units, so U+FB33 (one
// unit) comes after U+1F600 (the surrogates D83D DE00).
func TestCanonicalSortingRFC(t *testing.T) {
	in := `{
		"\u20ac": "Euro Sign",
		"\r": "Carriage Return",
		"\ufb33": "Hebrew Letter Dalet With Dagesh",
		"1": "One",
		"\ud83d\ude00": "Emoji: Grinning Face",
		"\u0080": "Control",
		"\u00f6": "Latin Small Letter O With Diaeresis"
	}`
	want := `{"\r":"Carriage Return","1":"One","` + "\u0080" + `":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","` + "\ufb33" + `":"Hebrew Letter Dalet With Dagesh"}`
	got, err := CanonicalJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// RFC 8785 §3.2.2's example: whitespace, numbers, string escapes.
func TestCanonicalExampleRFC(t *testing.T) {
	in := `{
		"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
		"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
		"literals": [null, true, false]
	}`
	want := `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`
	got, err := CanonicalJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestCanonicalStrings(t *testing.T) {
	for in, want := range map[string]string{
		"a\"b\\c":      `"a\"b\\c"`,
		"\b\t\n\f\r":   `"\b\t\n\f\r"`,
		"\x00\x01\x1f": `"\u0000\u0001\u001f"`,
		"\x7f":         "\"\x7f\"", // DEL is not escaped
		"<a&b>":        `"<a&b>"`,  // no HTML escaping
		"\u2028\u2029": "\"\u2028\u2029\"",
		"山田精機株式会社 ★":   `"山田精機株式会社 ★"`,
		"/":            `"/"`,
		"\xff":         "\"\ufffd\"", // invalid UTF-8 is repaired by encoding/json
		"😀":            `"😀"`,
	} {
		got, err := Canonicalize(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if string(got) != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their JCS form.
func TestFormatNumberRFC(t *testing.T) {
	for bits, want := range map[uint64]string{
		0x0000000000000000: "0",
		0x8000000000000000: "0",
		0x0000000000000001: "5e-324",
		0x8000000000000001: "-5e-324",
		0x7fefffffffffffff: "1.7976931348623157e+308",
		0xffefffffffffffff: "-1.7976931348623157e+308",
		0x4340000000000000: "9007199254740992",
		0xc340000000000000: "-9007199254740992",
		0x4430000000000000: "295147905179352830000",
		0x44b52d02c7e14af5: "9.999999999999997e+22",
		0x44b52d02c7e14af6: "1e+23",
		0x44b52d02c7e14af7: "1.0000000000000001e+23",
		0x444b1ae4d6e2ef4e: "999999999999999700000",
		0x444b1ae4d6e2ef4f: "999999999999999900000",
		0x444b1ae4d6e2ef50: "1e+21",
		0x3eb0c6f7a0b5ed8c: "9.999999999999997e-7",
		0x3eb0c6f7a0b5ed8d: "0.000001",
		0x41b3de4355555553: "333333333.3333332",
		0x41b3de4355555554: "333333333.33333325",
		0x41b3de4355555555: "333333333.3333333",
		0x41b3de4355555556: "333333333.3333334",
		0x41b3de4355555557: "333333333.33333343",
		0xbecbf647612f3696: "-0.0000033333333333333333",
		0x43143ff3c1cb0959: "1424953923781206.2",
	} {
		f := math.Float64frombits(bits)
		got, err := FormatNumber(f)
		if err != nil || got != want {
			t.Errorf("%#016x: got %q (%v), want %q", bits, got, err, want)
		}
		// Through the whole pipeline, as a float64 value.
		c, err := Canonicalize(f)
		if err != nil || string(c) != want {
			t.Errorf("Canonicalize(%#016x) = %s (%v), want %s", bits, c, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := FormatNumber(f); err == nil {
			t.Errorf("%v accepted", f)
		}
	}
}

func TestCanonicalIntegers(t *testing.T) {
	ok := map[string]string{
		"0": "0", "-0": "0", "1": "1", "-1": "-1", "2": "2", "10000000017": "10000000017",
		"9007199254740992": "9007199254740992", "-9007199254740992": "-9007199254740992",
		"1.0": "1", "1e2": "100", "100E-2": "1",
	}
	for in, want := range ok {
		got, err := CanonicalJSON([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("%s: got %s (%v), want %s", in, got, err, want)
		}
	}
	// Integers a double cannot carry exactly are refused, not rounded.
	for _, in := range []string{"9007199254740993", "-9007199254740993", "1152921504606846976", "123456789012345678901234"} {
		if got, err := CanonicalJSON([]byte(in)); err == nil {
			t.Errorf("%s accepted as %s", in, got)
		}
	}
	if _, err := Canonicalize(int64(1) << 60); err == nil {
		t.Error("int64 2^60 accepted")
	}
	if _, err := CanonicalJSON([]byte("1e400")); err == nil {
		t.Error("1e400 accepted")
	}
	// Go values of the kinds records use.
	got, err := Canonicalize(struct {
		B     string `json:"b"`
		A     int    `json:"a"`
		Empty []int  `json:"empty"`
		Nil   []int  `json:"nil"`
		M     map[string]any
		T     bool `json:"t"`
	}{B: "x", A: 2, Empty: []int{}, M: map[string]any{"z": 1.5, "y": nil}, T: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"M":{"y":null,"z":1.5},"a":2,"b":"x","empty":[],"nil":null,"t":true}`; string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestCanonicalRejects(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `{"a":1,}`, `[1,]`, `{"a":1}{}`, `{"a":1} x`, `nul`, `{"a":1,"a":2}`,
		`{"x":{"a":1,"a":1}}`, `[{"b":0,"b":0}]`, `01`, `"\x"`, `'a'`, `{1:2}`,
	} {
		if got, err := CanonicalJSON([]byte(in)); err == nil {
			t.Errorf("%q accepted as %s", in, got)
		}
	}
	if _, err := Canonicalize(func() {}); err == nil {
		t.Error("a func accepted")
	}
	// Whitespace around the value is fine.
	if got, err := CanonicalJSON([]byte(" \n\t{ \"a\" : [ 1 , 2 ] }\r\n ")); err != nil || string(got) != `{"a":[1,2]}` {
		t.Errorf("got %s (%v)", got, err)
	}
	// Raw messages are canonicalized as the JSON they hold.
	if got, err := Canonicalize(json.RawMessage(`{"b":1, "a":"<"}`)); err != nil || string(got) != `{"a":"<","b":1}` {
		t.Errorf("raw: got %s (%v)", got, err)
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{
		`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"x","1":"One","\ud83d\ude00":"e","\u0080":"c","\u00f6":"o"}`,
		`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`,
		`{"record":{"number":"10000000017","name":"山田精機","stars":1,"status":"active"},"signature":"AA==","key_id":"0123456789abcdef"}`,
		`[1,-0,5e-324,1e21,1e-7,-1.5,[],{},""]`,
		`"\ud800"`, `{"a":{"b":{"c":[true,false,null]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c1, err := CanonicalJSON(data)
		if err != nil {
			return
		}
		c2, err := CanonicalJSON(c1)
		if err != nil {
			t.Fatalf("canonical output %q does not parse again: %v", c1, err)
		}
		if string(c1) != string(c2) {
			t.Fatalf("not idempotent:\n%q\n%q", c1, c2)
		}
		var a, b any
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatalf("input accepted by CanonicalJSON, refused by encoding/json: %v", err)
		}
		if err := json.Unmarshal(c1, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed:\n%#v\n%#v", a, b)
		}
		if strings.ContainsAny(string(c1), "\t\n\r") {
			t.Fatalf("raw whitespace in %q", c1)
		}
	})
}
