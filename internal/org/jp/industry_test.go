package jp

import (
	"fmt"
	"testing"
)

func TestIndustries(t *testing.T) {
	is := Industries()
	if len(is) != 20 {
		t.Fatalf("len(Industries()) = %d, want 20 (A–T)", len(is))
	}
	seenJa, seenEn := map[string]bool{}, map[string]bool{}
	for i, ind := range is {
		if want := string(rune('A' + i)); ind.Code != want {
			t.Errorf("Industries()[%d].Code = %q, want %q", i, ind.Code, want)
		}
		if ind.NameJa == "" || ind.NameEn == "" || seenJa[ind.NameJa] || seenEn[ind.NameEn] {
			t.Errorf("%s: empty or duplicate name %q / %q", ind.Code, ind.NameJa, ind.NameEn)
		}
		seenJa[ind.NameJa], seenEn[ind.NameEn] = true, true
		if _, ok := boundsFor(ind.Sector); !ok {
			t.Errorf("%s: sector %q has no SME bounds", ind.Code, ind.Sector)
		}
		got, ok := IndustryByCode(ind.Code)
		if !ok || got != ind {
			t.Errorf("IndustryByCode(%q) = %v, %v; want %v, true", ind.Code, got, ok, ind)
		}
	}
}

func TestIndustriesReturnsCopy(t *testing.T) {
	is := Industries()
	is[4].Sector = SectorRetail
	if Industries()[4].Sector != SectorManufacturing {
		t.Fatal("mutating the result of Industries changed the reference table")
	}
}

func TestIndustryNamesJa(t *testing.T) {
	want := map[string]string{
		"A": "農業，林業",
		"B": "漁業",
		"C": "鉱業，採石業，砂利採取業",
		"D": "建設業",
		"E": "製造業",
		"F": "電気・ガス・熱供給・水道業",
		"G": "情報通信業",
		"H": "運輸業，郵便業",
		"I": "卸売業，小売業",
		"J": "金融業，保険業",
		"K": "不動産業，物品賃貸業",
		"L": "学術研究，専門・技術サービス業",
		"M": "宿泊業，飲食サービス業",
		"N": "生活関連サービス業，娯楽業",
		"O": "教育，学習支援業",
		"P": "医療，福祉",
		"Q": "複合サービス事業",
		"R": "サービス業（他に分類されないもの）",
		"S": "公務（他に分類されるものを除く）",
		"T": "分類不能の産業",
	}
	for code, name := range want {
		ind, ok := IndustryByCode(code)
		if !ok || ind.NameJa != name {
			t.Errorf("IndustryByCode(%q).NameJa = %q, want %q", code, ind.NameJa, name)
		}
	}
}

func TestIndustryByCodeUnknown(t *testing.T) {
	for _, code := range []string{"", "U", "Z", "a", "i", "AB", " A", "Ａ", "@"} {
		if ind, ok := IndustryByCode(code); ok {
			t.Errorf("IndustryByCode(%q) = %v, true; want false", code, ind)
		}
	}
}

func TestSectorFor(t *testing.T) {
	tests := []struct {
		code      string
		wholesale bool
		want      Sector
	}{
		{"A", false, SectorManufacturing},
		{"B", false, SectorManufacturing},
		{"C", false, SectorManufacturing},
		{"D", false, SectorManufacturing},
		{"E", false, SectorManufacturing},
		{"E", true, SectorManufacturing}, // flag ignored outside I
		{"F", false, SectorManufacturing},
		{"G", false, SectorServices},
		{"H", false, SectorManufacturing},
		{"I", false, SectorRetail},
		{"I", true, SectorWholesale},
		{"J", false, SectorManufacturing},
		{"K", false, SectorManufacturing}, // real estate is "other"; rental and parking are services
		{"K", true, SectorManufacturing},
		{"L", false, SectorServices},
		{"M", false, SectorRetail},
		{"M", true, SectorRetail},
		{"N", false, SectorServices},
		{"O", false, SectorServices},
		{"P", false, SectorServices},
		{"Q", false, SectorServices},
		{"R", false, SectorServices},
		{"R", true, SectorServices},
		{"S", false, SectorManufacturing},
		{"T", false, SectorManufacturing},
		{"", false, ""},
		{"U", true, ""},
		{"i", true, ""},
	}
	for _, tt := range tests {
		if got := SectorFor(tt.code, tt.wholesale); got != tt.want {
			t.Errorf("SectorFor(%q, %v) = %q, want %q", tt.code, tt.wholesale, got, tt.want)
		}
	}
}

// The SME Agency's table (「中小企業の定義について」,
// https://www.chusho.meti.go.jp/soshiki/teigi.html): every JSIC division
// of the 13th revision, 01–99, with its bucket, and the groups (小分類)
// where the Agency goes below divisions.
func TestSectorForDivision(t *testing.T) {
	const (
		o = SectorManufacturing // 製造業その他
		w = SectorWholesale
		r = SectorRetail
		s = SectorServices
	)
	want := map[string]Sector{}
	set := func(from, to int, sec Sector) {
		for d := from; d <= to; d++ {
			want[fmt.Sprintf("%02d", d)] = sec
		}
	}
	set(1, 36, o)  // A–F: agriculture … utilities
	set(37, 37, o) // G 通信業
	set(38, 39, s) // G 放送業, 情報サービス業
	set(40, 41, o) // G インターネット附随サービス業; 41 as a whole (see groups)
	set(42, 49, o) // H 運輸業，郵便業
	set(50, 55, w) // I 卸売業
	set(56, 61, r) // I 小売業
	set(62, 67, o) // J 金融業，保険業
	set(68, 69, o) // K 不動産取引業, 不動産賃貸業・管理業
	set(70, 70, s) // K 物品賃貸業
	set(71, 74, s) // L
	set(75, 75, s) // M 宿泊業
	set(76, 77, r) // M 飲食店, 持ち帰り・配達飲食サービス業
	set(78, 96, s) // N, O, P, Q, R
	set(97, 99, o) // S, T
	for code, sec := range map[string]Sector{
		"411": s, "412": s, "413": o, "414": o, "415": s, "416": s, // G 映像・音声・文字情報制作業
		"691": o, "692": o, "693": s, "694": o, // K: 駐車場業 alone is services
		"701": s, "751": s, "761": r, "771": r,
		"791": o, "792": s, "799": s, // N: 旅行業 is "other"
		"391": s, "401": o, "371": o, "681": o, "501": w, "561": r, "891": s,
	} {
		want[code] = sec
	}
	for code, sec := range want {
		if got, ok := SectorForDivision(code); !ok || got != sec {
			t.Errorf("SectorForDivision(%q) = %q, %v; want %q", code, got, ok, sec)
		}
	}
	for _, code := range []string{"", "0", "00", "000", "1", "1000", "a1", "３９", " 39", "39 ", "-1"} {
		if got, ok := SectorForDivision(code); ok {
			t.Errorf("SectorForDivision(%q) = %q, true; want false", code, got)
		}
	}
	// A major group's bucket agrees with its divisions: unsplit groups
	// wholly, split groups by the bucket of their main divisions.
	main := map[string]string{"G": "39", "K": "68", "M": "76", "N": "78"}
	for _, ind := range Industries() {
		if ind.Code == "I" {
			continue // settled by the wholesale flag, tested above
		}
		divs := []string{}
		for code := range want {
			if len(code) == 2 && majorOfDivision(int(code[0]-'0')*10+int(code[1]-'0')) == ind.Code {
				divs = append(divs, code)
			}
		}
		if len(divs) == 0 {
			t.Errorf("%s has no divisions", ind.Code)
		}
		if d, ok := main[ind.Code]; ok {
			if !Split(ind.Code) || want[d] != ind.Sector {
				t.Errorf("%s: split %v, sector %q; want split and %q (division %s)", ind.Code, Split(ind.Code), ind.Sector, want[d], d)
			}
			continue
		}
		if Split(ind.Code) {
			t.Errorf("%s reported split", ind.Code)
		}
		for _, d := range divs {
			if want[d] != ind.Sector && !(ind.Code == "N" && d == "79") {
				t.Errorf("%s is %q but its division %s is %q", ind.Code, ind.Sector, d, want[d])
			}
		}
	}
}

// The case of the review: a real estate firm (K) with 10 employees is a
// small business (小規模企業者, limit 20 for "other" industries), not
// merely an SME as it was when K counted as services (limit 5).
func TestRealEstateSmallBusiness(t *testing.T) {
	if got := ClassifySize(SectorFor("K", false), ip(10), nil); got != SizeSmallBusiness {
		t.Errorf("K with 10 employees = %q, want %q", got, SizeSmallBusiness)
	}
	if got := ClassifySize(SectorFor("K", false), ip(21), cp(yen300M)); got != SizeSME {
		t.Errorf("K with 21 employees and ¥300M = %q, want %q", got, SizeSME)
	}
	rental, _ := SectorForDivision("70")
	if got := ClassifySize(rental, ip(10), nil); got != SizeSME {
		t.Errorf("goods rental (70) with 10 employees = %q, want %q", got, SizeSME)
	}
}
