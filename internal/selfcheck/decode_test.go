package selfcheck

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strconv"
	"strings"
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
	f.Add([]byte(fullSheet("partial")))
	qs := mustSet(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAgree(t, b)
		checkValidAgree(t, qs, b)
	})
}

func mustSet(tb testing.TB) *QuestionSet {
	c, err := LoadContent()
	if err != nil {
		tb.Fatal(err)
	}
	return c.Current
}

func fullSheet(v string) string {
	m := map[string]string{}
	for i := 1; i <= 25; i++ {
		m[strconv.Itoa(i)] = v
	}
	b, _ := json.Marshal(map[string]any{"answers": m})
	return string(b)
}

// checkValidAgree: when the fast validating path accepts a body, the slow
// path (encoding/json and Validate) accepts it too, with the same answers.
func checkValidAgree(t *testing.T, qs *QuestionSet, b []byte) {
	fast, ok := fastValidAnswers(b, qs, nil)
	if !ok {
		return
	}
	raw, rok := strictDecode(b)
	if !rok {
		t.Fatalf("fast accepted %q, encoding/json refused it", b)
	}
	slow, err := Validate(qs, raw)
	if err != nil || !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fast %v, slow %v (%v) for %q", fast, slow, err, b)
	}
}

func TestFastValidAnswers(t *testing.T) {
	qs := mustSet(t)
	if _, ok := fastValidAnswers([]byte(fullSheet("implemented")), qs, nil); !ok {
		t.Fatal("complete plain sheet not taken by the fast path")
	}
	for _, s := range append(fastSeeds, strings.Replace(fullSheet("partial"), `"25"`, `"26"`, 1), strings.Replace(fullSheet("partial"), `"1"`, `"01"`, 1)) {
		if _, ok := fastValidAnswers([]byte(s), qs, nil); ok {
			t.Fatalf("fast path accepted %q", s)
		}
		checkValidAgree(t, qs, []byte(s))
	}
}
