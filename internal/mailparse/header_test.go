package mailparse

import (
	"encoding/base64"
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

// A display name whose character is split across encoded words decodes
// whole, as the subject does.
func TestSplitEncodedDisplayName(t *testing.T) {
	sj := []byte{0x8a, 0x94, 0x8e, 0xae, 0x89, 0xef, 0x8e, 0xd0} // 株式会社 in Shift_JIS
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	raw := "=?shift_jis?B?" + b64(sj[:3]) + "?= =?shift_jis?B?" + b64(sj[3:]) + "?= <info@example.co.jp>, plain@example.jp"
	p := &parser{}
	got := p.addresses(&Message{}, "From", raw)
	if len(got) != 2 || got[0].Name != "株式会社" || got[0].Address != "info@example.co.jp" || got[1].Address != "plain@example.jp" {
		t.Fatalf("%+v", got)
	}
}
