package jp

// Sector is the industry bucket used by the SME Basic Act (中小企業基本法,
// Act No. 154 of 1963, Article 2(1)). The Act does not use JSIC codes
// directly; it sets different capital and employee bounds for four broad
// kinds of business, so the size of a firm cannot be judged without first
// knowing which of these it belongs to.
type Sector string

const (
	// SectorManufacturing is Article 2(1)(i): "industry, mining, transport
	// and other industries" (工業、鉱業、運送業その他の業種), which includes
	// construction.
	// It is the residual bucket — anything that is not wholesale, retail or
	// services under items (ii)-(iv) falls here, which is why agriculture,
	// finance and the public sector map to it too.
	SectorManufacturing Sector = "manufacturing"
	// SectorWholesale is Article 2(1)(ii) (卸売業).
	SectorWholesale Sector = "wholesale"
	// SectorRetail is Article 2(1)(iv) (小売業). The SME Agency counts
	// eating and drinking places (飲食店) as retail.
	SectorRetail Sector = "retail"
	// SectorServices is Article 2(1)(iii) (サービス業).
	SectorServices Sector = "services"
)

// Industry is a major group (大分類) of the Japan Standard Industrial
// Classification (日本標準産業分類, JSIC). Major groups are used rather than
// divisions because they are what SMEs can reliably self-report and what
// national statistics (e.g. the Economic Census) aggregate by.
//
// Sector is the SME Basic Act bucket of the group, or, for a group the
// SME Agency splits between buckets (G, I, K, M, N), the bucket of most
// firms in it: see Split and SectorForDivision.
type Industry struct {
	Code   string // JSIC major group letter, "A".."T"
	NameJa string // official JSIC name, with JSIC's full-width punctuation
	NameEn string // English title, following the Statistics Bureau's translation
	Sector Sector
}

// industries lists JSIC major groups A–T as in the 13th revision (2013);
// the 14th revision (2023) reworked lower levels but kept these groups.
// The names keep JSIC's full-width comma "，" and brackets so that they
// match government forms and statistics tables character for character.
//
// The Sector mapping is the SME Agency's: its FAQ 「中小企業の定義について」
// (https://www.chusho.meti.go.jp/soshiki/teigi.html) assigns JSIC
// divisions (中分類) and groups (小分類) to the Act's four kinds of
// business, and everything it does not list to 製造業その他:
//
//   - 卸売業: I, 中分類 50–55.
//   - 小売業: I, 中分類 56–61; M, 中分類 76 (飲食店) and 77 (持ち帰り・
//     配達飲食サービス業).
//   - サービス業: G, 中分類 38 (放送業), 39 (情報サービス業) and 小分類 411,
//     412, 415, 416 (映像・音声情報制作, 広告制作, 附帯サービス); K, 小分類
//     693 (駐車場業) and 中分類 70 (物品賃貸業); L; M, 中分類 75 (宿泊業);
//     N except 小分類 791 (旅行業); O; P; Q; R.
//   - 製造業その他: the rest, so A–F, H, J, S, T whole, and within G the
//     通信業 (37), インターネット附随サービス業 (40), 新聞業 (413) and 出版業
//     (414), within K real estate (68, 69 but 693), and 旅行業 (791).
//
// A profile names only the major group (and, for I, whether the firm is a
// wholesaler), so a split group takes the bucket of most of its firms:
// G services (information services, 39), K others (real estate, 68–69),
// M retail (eating and drinking places, 76–77), N services. SectorForDivision
// gives the exact bucket where the division is known.
//
// The government ordinance exceptions used by some support programmes
// (e.g. software and information processing, rubber products, hotels and
// inns) are not modelled: they belong to individual programmes, not to the
// Basic Act's definition.
var industries = [...]Industry{
	{"A", "農業，林業", "Agriculture and forestry", SectorManufacturing},
	{"B", "漁業", "Fisheries", SectorManufacturing},
	{"C", "鉱業，採石業，砂利採取業", "Mining and quarrying of stone and gravel", SectorManufacturing},
	{"D", "建設業", "Construction", SectorManufacturing},
	{"E", "製造業", "Manufacturing", SectorManufacturing},
	{"F", "電気・ガス・熱供給・水道業", "Electricity, gas, heat supply and water", SectorManufacturing},
	{"G", "情報通信業", "Information and communications", SectorServices},
	{"H", "運輸業，郵便業", "Transport and postal activities", SectorManufacturing},
	{"I", "卸売業，小売業", "Wholesale and retail trade", SectorRetail},
	{"J", "金融業，保険業", "Finance and insurance", SectorManufacturing},
	{"K", "不動産業，物品賃貸業", "Real estate and goods rental and leasing", SectorManufacturing},
	{"L", "学術研究，専門・技術サービス業", "Scientific research, professional and technical services", SectorServices},
	{"M", "宿泊業，飲食サービス業", "Accommodations, eating and drinking services", SectorRetail},
	{"N", "生活関連サービス業，娯楽業", "Living-related and personal services and amusement services", SectorServices},
	{"O", "教育，学習支援業", "Education, learning support", SectorServices},
	{"P", "医療，福祉", "Medical, health care and welfare", SectorServices},
	{"Q", "複合サービス事業", "Compound services", SectorServices},
	{"R", "サービス業（他に分類されないもの）", "Services, n.e.c.", SectorServices},
	{"S", "公務（他に分類されるものを除く）", "Government, except elsewhere classified", SectorManufacturing},
	{"T", "分類不能の産業", "Industries unable to classify", SectorManufacturing},
}

// Industries returns JSIC major groups A–T in code order. The slice is a
// fresh copy so callers cannot corrupt the reference table.
func Industries() []Industry {
	out := make([]Industry, len(industries))
	copy(out, industries[:])
	return out
}

// IndustryByCode looks up a JSIC major group by its exact upper-case
// letter ("A".."T"). Lower case is not accepted: the code is an
// identifier, and normalising it is the caller's (input layer's) job.
func IndustryByCode(code string) (Industry, bool) {
	if len(code) != 1 || code[0] < 'A' || int(code[0]-'A') >= len(industries) {
		return Industry{}, false
	}
	return industries[code[0]-'A'], true
}

// SectorFor returns the SME Basic Act sector for a JSIC major group code,
// or "" if the code is unknown.
//
// Major group I (卸売業，小売業) covers both wholesale and retail, which
// the Act treats very differently (¥100M/100 employees vs ¥50M/50), so the
// caller must say which: wholesale=true picks SectorWholesale, false picks
// SectorRetail. For every other group the flag is ignored.
//
// Groups G, K, M and N are split too (see industries); for them SectorFor
// gives the bucket of most of the group's firms, and Split reports that
// the answer may be another for the firm's own division.
func SectorFor(industry string, wholesale bool) Sector {
	ind, ok := IndustryByCode(industry)
	if !ok {
		return ""
	}
	if ind.Code == "I" {
		if wholesale {
			return SectorWholesale
		}
		return SectorRetail
	}
	return ind.Sector
}

// Split reports whether the SME Agency places parts of major group code in
// different buckets, so that SectorFor's answer for it is the group's
// usual one rather than certainly the firm's. I is split too, but the
// wholesale flag settles it.
func Split(code string) bool {
	switch code {
	case "G", "K", "M", "N":
		return true
	}
	return false
}

// SectorForDivision returns the SME Basic Act bucket of a JSIC division
// (中分類, two digits "01"–"99") or group (小分類, three digits), following
// the SME Agency's table quoted at industries. It reports false for a code
// that is not two or three ASCII digits or names no division of JSIC's
// 13th revision. A group code is needed only where the Agency goes below
// divisions (41, 69, 79); elsewhere a group takes its division's bucket.
func SectorForDivision(code string) (Sector, bool) {
	if (len(code) != 2 && len(code) != 3) || !allASCIIDigits(code, len(code)) {
		return "", false
	}
	div := int(code[0]-'0')*10 + int(code[1]-'0')
	major := majorOfDivision(div)
	if major == "" {
		return "", false
	}
	switch code {
	case "411", "412", "415", "416", "693":
		return SectorServices, true
	case "791":
		return SectorManufacturing, true
	}
	switch {
	case div >= 50 && div <= 55:
		return SectorWholesale, true
	case div >= 56 && div <= 61, div == 76, div == 77:
		return SectorRetail, true
	case div == 38, div == 39, div == 70, div == 75:
		return SectorServices, true
	case major == "G", major == "K":
		return SectorManufacturing, true // 37, 40, 41's other groups; 68, 69
	}
	ind, _ := IndustryByCode(major)
	return ind.Sector, true
}

// majorOfDivision is the major group of a JSIC (13th revision) division
// number, or "" for a number no division has.
func majorOfDivision(div int) string {
	bounds := [...]struct {
		last  int
		major string
	}{
		{0, ""}, {2, "A"}, {4, "B"}, {5, "C"}, {8, "D"}, {32, "E"}, {36, "F"}, {41, "G"}, {49, "H"},
		{61, "I"}, {67, "J"}, {70, "K"}, {74, "L"}, {77, "M"}, {80, "N"}, {82, "O"}, {85, "P"},
		{87, "Q"}, {96, "R"}, {98, "S"}, {99, "T"},
	}
	for _, b := range bounds {
		if div <= b.last {
			return b.major
		}
	}
	return ""
}
