package jp

// SizeClass is a firm's size under the SME Basic Act (中小企業基本法).
//
// The classes are ordered by specificity, not disjoint by definition:
// every small business is also an SME. ClassifySize returns the most
// specific class it can prove, so SizeSME means "an SME that is not shown
// to be a small business".
type SizeClass string

const (
	// SizeSmallBusiness is a 小規模企業者 (Article 2(5)): at most 20
	// regular employees, or 5 in commerce (wholesale, retail) and services.
	// The Act defines it by headcount alone — no capital test — so even a
	// heavily capitalised firm with few staff is one.
	SizeSmallBusiness SizeClass = "small_business"
	// SizeSME is a 中小企業者 (Article 2(1)) that is not shown to be a small
	// business, either because it has more staff or because its headcount
	// is unknown while its capital alone proves it an SME.
	SizeSME SizeClass = "sme"
	// SizeLarge fails both the capital and the employee test for its sector.
	SizeLarge SizeClass = "large"
	// SizeUnknown means the known facts do not settle the question (or the
	// sector is unknown). It is a real answer, not an error: the Act's
	// tests are disjunctive, so one missing figure can flip the result.
	SizeUnknown SizeClass = "unknown"
)

// smeBounds are the Article 2(1) limits: a firm is an SME if its capital
// (資本金の額又は出資の総額) is at or under capital OR its regular
// employees (常時使用する従業員) are at or under employees. small is the
// Article 2(5) headcount limit for a small business.
type smeBounds struct {
	capital   int64
	employees int
	small     int
}

func boundsFor(s Sector) (smeBounds, bool) {
	switch s {
	case SectorManufacturing: // Art. 2(1)(i), 2(5)
		return smeBounds{capital: 300_000_000, employees: 300, small: 20}, true
	case SectorWholesale: // Art. 2(1)(ii); commerce → 5 for small
		return smeBounds{capital: 100_000_000, employees: 100, small: 5}, true
	case SectorServices: // Art. 2(1)(iii)
		return smeBounds{capital: 50_000_000, employees: 100, small: 5}, true
	case SectorRetail: // Art. 2(1)(iv); commerce → 5 for small
		return smeBounds{capital: 50_000_000, employees: 50, small: 5}, true
	}
	return smeBounds{}, false
}

// ClassifySize applies the SME Basic Act's size tests for sector.
// employees and capitalYen are pointers because "unknown" must be
// distinguishable from zero (a sole proprietor has no capital; a
// one-person company has zero employees). Negative values are treated as
// unknown.
//
// The Act's SME test is an OR of capital and headcount, so ClassifySize
// decides as soon as the known figures settle it and otherwise answers
// SizeUnknown rather than guessing:
//
//   - headcount at or under the small-business limit → small business,
//     whatever the capital (the Article 2(5) test is headcount only);
//   - headcount at or under the SME limit, or capital at or under the SME
//     limit → SME;
//   - both figures known and both over → large;
//   - anything else → unknown (e.g. 500 staff and capital unknown: the
//     capital could still qualify the firm).
//
// Sole proprietors (個人事業主) are judged on headcount alone under the
// Act; pass nil capital for them.
func ClassifySize(sector Sector, employees *int, capitalYen *int64) SizeClass {
	b, ok := boundsFor(sector)
	if !ok {
		return SizeUnknown
	}
	if employees != nil && *employees < 0 {
		employees = nil
	}
	if capitalYen != nil && *capitalYen < 0 {
		capitalYen = nil
	}
	if employees != nil {
		if *employees <= b.small {
			return SizeSmallBusiness
		}
		if *employees <= b.employees {
			return SizeSME
		}
	}
	if capitalYen != nil && *capitalYen <= b.capital {
		return SizeSME
	}
	if employees != nil && capitalYen != nil {
		return SizeLarge
	}
	return SizeUnknown
}

// SurveyBand is the size grouping the survey reports by: small
// businesses, then other SMEs split at 100 employees. The split point
// coincides with the SME headcount limit for wholesale and services, so
// the 101-plus band holds manufacturers (limit 300) and firms that are SMEs
// by capital only. Large firms have no band.
type SurveyBand string

const (
	BandSmallBusiness SurveyBand = "small_business" // 小規模企業者
	BandUpTo100       SurveyBand = "sme_upto_100"   // SME, 100 or fewer employees
	Band101Plus       SurveyBand = "sme_101_plus"   // SME, 101 or more employees
)

// SurveyBandFor maps a size class to its survey band. It reports false
// for large and unknown firms (they are outside the survey's SME groups)
// and for an SME whose headcount is unknown or negative, since the band
// cannot then be determined. A small business needs no headcount.
func SurveyBandFor(class SizeClass, employees *int) (SurveyBand, bool) {
	switch class {
	case SizeSmallBusiness:
		return BandSmallBusiness, true
	case SizeSME:
		if employees == nil || *employees < 0 {
			return "", false
		}
		if *employees <= 100 {
			return BandUpTo100, true
		}
		return Band101Plus, true
	}
	return "", false
}
