package jp

import (
	"fmt"
	"strings"
	"testing"
)

func TestPrefectures(t *testing.T) {
	ps := Prefectures()
	if len(ps) != 47 {
		t.Fatalf("len(Prefectures()) = %d, want 47", len(ps))
	}
	ja := map[string]bool{}
	en := map[string]bool{}
	for i, p := range ps {
		if want := fmt.Sprintf("%02d", i+1); p.Code != want {
			t.Errorf("Prefectures()[%d].Code = %q, want %q", i, p.Code, want)
		}
		if ja[p.NameJa] || en[p.NameEn] {
			t.Errorf("duplicate name at %s: %q / %q", p.Code, p.NameJa, p.NameEn)
		}
		ja[p.NameJa], en[p.NameEn] = true, true
		if p.NameEn == "" || strings.TrimSpace(p.NameEn) != p.NameEn {
			t.Errorf("%s: bad English name %q", p.Code, p.NameEn)
		}
		// Every Japanese name carries its 都道府県 suffix.
		if !strings.HasSuffix(p.NameJa, "都") && !strings.HasSuffix(p.NameJa, "道") &&
			!strings.HasSuffix(p.NameJa, "府") && !strings.HasSuffix(p.NameJa, "県") {
			t.Errorf("%s: %q lacks 都道府県 suffix", p.Code, p.NameJa)
		}
		got, ok := PrefectureByCode(p.Code)
		if !ok || got != p {
			t.Errorf("PrefectureByCode(%q) = %v, %v; want %v, true", p.Code, got, ok, p)
		}
	}
}

func TestPrefecturesReturnsCopy(t *testing.T) {
	ps := Prefectures()
	ps[0].NameEn = "changed"
	if Prefectures()[0].NameEn != "Hokkaido" {
		t.Fatal("mutating the result of Prefectures changed the reference table")
	}
}

func TestPrefectureByCodeKnown(t *testing.T) {
	tests := []Prefecture{
		{"01", "北海道", "Hokkaido"},
		{"02", "青森県", "Aomori"},
		{"13", "東京都", "Tokyo"},
		{"14", "神奈川県", "Kanagawa"},
		{"26", "京都府", "Kyoto"},
		{"27", "大阪府", "Osaka"},
		{"28", "兵庫県", "Hyogo"},
		{"40", "福岡県", "Fukuoka"},
		{"47", "沖縄県", "Okinawa"},
	}
	for _, want := range tests {
		got, ok := PrefectureByCode(want.Code)
		if !ok || got != want {
			t.Errorf("PrefectureByCode(%q) = %v, %v; want %v, true", want.Code, got, ok, want)
		}
	}
}

func TestPrefectureByCodeUnknown(t *testing.T) {
	for _, code := range []string{"", "0", "1", "00", "48", "99", "013", " 1", "1 ", "ab", "１３", "-1"} {
		if p, ok := PrefectureByCode(code); ok {
			t.Errorf("PrefectureByCode(%q) = %v, true; want false", code, p)
		}
	}
}
