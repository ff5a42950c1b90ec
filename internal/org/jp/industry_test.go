package jp

import "testing"

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
		{"K", false, SectorServices},
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
