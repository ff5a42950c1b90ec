package mailparse

import (
	"testing"
	"time"
)

func TestParseDateZones(t *testing.T) {
	for in, want := range map[string]string{
		"Mon, 1 Apr 2024 10:00:00 JST":          "2024-04-01T10:00:00+09:00",
		"Mon, 1 Apr 2024 10:00:00 jst":          "2024-04-01T10:00:00+09:00",
		"Mon, 1 Apr 2024 10:00:00 +0900 (JST)":  "2024-04-01T10:00:00+09:00",
		"Mon, 1 Apr 2024 10:00:00 EST":          "2024-04-01T10:00:00-05:00",
		"Mon, 1 Apr 2024 10:00:00 PDT":          "2024-04-01T10:00:00-07:00",
		"Mon, 1 Apr 2024 10:00:00 GMT":          "2024-04-01T10:00:00Z",
		"Mon, 1 Apr 2024 10:00:00 GMT+0900":     "2024-04-01T10:00:00+09:00",
		"Mon, 01 Apr 2024 10:00 +0900":          "2024-04-01T10:00:00+09:00",
		"1 Apr 2024 10:00:00 -0000":             "2024-04-01T10:00:00Z",
		"Mon,  1 Apr 2024  10:00:00  JST  (日本)": "2024-04-01T10:00:00+09:00",
	} {
		got, ok := parseDate(in)
		if !ok {
			t.Errorf("%q not read", in)
			continue
		}
		w, _ := time.Parse(time.RFC3339, want)
		if !got.Equal(w) || got.Format("-07:00") != w.Format("-07:00") {
			t.Errorf("%q read as %s, want %s", in, got.Format(time.RFC3339), want)
		}
	}
	if _, ok := parseDate("yesterday afternoon"); ok {
		t.Error("prose read as a date")
	}
}
