package selfcheck

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"
)

// strictDecode is what encoding/json makes of a body, with the same rules
// as the API (unknown fields and trailing data refused).
func strictDecode(b []byte) (map[string]string, bool) {
	var req scoreRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return req.Answers, req.Answers != nil
}

var fastSeeds = []string{
	`{"answers":{"1":"implemented","2":"partial"}}`,
	` { "answers" : { "1" : "unknown" , "25" : "not_implemented" } } `,
	`{"answers":{}}`,
	`{"answers":{"1":"implemented","1":"partial"}}`,
	`{"answers":{"1":"impl\u0065mented"}}`,
	`{"answers":{"1":"implemented"},"x":1}`,
	`{"answers":{"1":"implemented"}} trailing`,
	`{"answers":null}`,
	`{"answers":{"1":1}}`,
	`{"Answers":{"1":"implemented"}}`,
	`{"answers":{"01":"partial"}}`,
	`{"answers":{"":"partial"}}`,
	`{"answers":{"1":""}}`,
	`{"answers":{"1":"implemented",}}`,
	`{}`,
	``,
}

// TestFastAnswersAgreeWithJSON: whenever the hand parser accepts a body,
// encoding/json reads the same map from it.
func TestFastAnswersAgreeWithJSON(t *testing.T) {
	for _, s := range fastSeeds {
		checkAgree(t, []byte(s))
	}
	if _, ok := parseAnswersFast([]byte(fastSeeds[0])); !ok {
		t.Fatal("plain body not taken by the fast path")
	}
}

func checkAgree(t *testing.T, b []byte) {
	fast, ok := parseAnswersFast(b)
	if !ok {
		return
	}
	want, wok := strictDecode(b)
	if !wok || !reflect.DeepEqual(fast, want) {
		t.Fatalf("fast path disagrees on %q: fast %v, json %v (%v)", b, fast, want, wok)
	}
}

func FuzzFastAnswers(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkAgree(t, b) })
}
