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
// Sector is the SME Basic Act bucket most firms in the group belong to.
// For groups that straddle buckets (I and M) it is only a default: use
// SectorFor, and see its comment.
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
// The Sector mapping follows the SME Agency's guidance on which JSIC
// groups fall under each item of Article 2(1), simplified to major groups:
//
//   - G, K, L, N, O, P, Q, R → services. (The SME Agency actually places
//     parts of G such as telecommunications and publishing in the
//     "other" bucket; at major-group level services is the better fit for
//     the information-services firms that dominate G.)
//   - I → retail by default, but wholesale for wholesalers (SectorFor).
//   - M → retail. See SectorFor for why.
//   - A–F, H, J, S, T → manufacturing/others: the Act's residual item (i).
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
	{"K", "不動産業，物品賃貸業", "Real estate and goods rental and leasing", SectorServices},
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
// Major group M (宿泊業，飲食サービス業) is also split by the SME Agency:
// eating and drinking places (中分類 76 飲食店, 77 持ち帰り・配達飲食
// サービス業) are retail, accommodation (75 宿泊業) is services. We map M to
// retail because eating and drinking places make up the great majority of
// firms in M, and because the stricter retail bound errs towards "large"
// rather than wrongly granting SME status. An inn or hotel that knows it
// is accommodation should pass SectorServices to ClassifySize directly.
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
