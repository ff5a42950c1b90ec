// Package assets is the organisation's information asset ledger and its
// risk analysis (docs/assets.md). This file holds the rules that turn
// ratings into figures: the importance of an asset and the risk methods.
// They are pure functions over small integer ranges, so every combination
// is tested against hand-computed tables.
package assets

import "fmt"

// Rating is a 1–3 value: a confidentiality, integrity or availability
// rating, a threat likelihood, or a vulnerability (3 = no measures,
// 2 = partial, 1 = in place).
type Rating int

// Valid reports whether r is 1, 2 or 3.
func (r Rating) Valid() bool { return r >= 1 && r <= 3 }

// PersonalData is the kind of personal data an asset holds.
type PersonalData string

const (
	PersonalNone      PersonalData = "none"
	PersonalInfo      PersonalData = "personal"  // 個人情報
	PersonalSensitive PersonalData = "sensitive" // 要配慮個人情報
	PersonalMyNumber  PersonalData = "my_number" // 特定個人情報 (マイナンバーを含む)
)

// PersonalDataKinds are the kinds in the ledger's order.
var PersonalDataKinds = []PersonalData{PersonalNone, PersonalInfo, PersonalSensitive, PersonalMyNumber}

// Valid reports whether p is one of PersonalDataKinds.
func (p PersonalData) Valid() bool {
	switch p {
	case PersonalNone, PersonalInfo, PersonalSensitive, PersonalMyNumber:
		return true
	}
	return false
}

// Importance is the asset's importance (1–3) and the rule that gave it,
// so the product can show the rule next to the figure.
type Importance struct {
	Value Rating
	// Rule is a message key: "assets.importance.max_cia",
	// "assets.importance.personal" or "assets.importance.special".
	Rule string
}

// ImportanceOf computes an asset's importance: the highest of its
// confidentiality, integrity and availability ratings, raised to at least
// 2 when it holds personal information and to 3 when it holds sensitive
// personal information or My Number data (a leak of these is serious
// whatever the ratings say, and the law sets duties for them). The ratings
// must be valid.
func ImportanceOf(c, i, a Rating, p PersonalData) Importance {
	v := max(c, i, a)
	switch {
	case (p == PersonalSensitive || p == PersonalMyNumber) && v < 3:
		return Importance{3, "assets.importance.special"}
	case p == PersonalInfo && v < 2:
		return Importance{2, "assets.importance.personal"}
	}
	return Importance{v, "assets.importance.max_cia"}
}

// Method is a risk analysis method: how threat and vulnerability combine
// with importance into a risk value, and how values are banded. The
// organisation picks one; every figure records the method that made it.
//
// Both methods in use multiply importance by one figure made of threat and
// vulnerability (the likelihood of damage, or threat × vulnerability), so
// a method is that figure's rule; the heat map puts importance on one axis
// and this figure on the other.
type Method struct {
	Key string // stored with each figure: "guideline", "classic"
	// Max is the largest risk value the method gives.
	Max int
	// Values are the distinct risk values, ascending (for the heat map's
	// legend and the threshold choices).
	Values []int
	// Columns are the distinct values of the threat-and-vulnerability
	// figure, ascending: the heat map's columns.
	Columns []int
	// Medium and High are the lowest values of the medium and high bands.
	Medium, High int
	// DefaultThreshold is the value from which an asset is listed as
	// needing treatment when the organisation has not chosen its own.
	DefaultThreshold int
	column           func(threat, vuln Rating) int
}

// Column is the threat-and-vulnerability figure the method multiplies
// importance by.
func (m *Method) Column(threat, vuln Rating) int { return m.column(threat, vuln) }

// Risk is the risk value of an asset of importance imp under threat
// likelihood threat and vulnerability vuln (all valid ratings).
func (m *Method) Risk(imp, threat, vuln Rating) int { return int(imp) * m.column(threat, vuln) }

// Band is "low", "medium" or "high" for a risk value of m.
func (m *Method) Band(v int) string {
	switch {
	case v >= m.High:
		return "high"
	case v >= m.Medium:
		return "medium"
	}
	return "low"
}

// damageTable is the likelihood of damage by threat (rows 1–3) and
// vulnerability (columns 1–3), from the current guideline's risk sheet:
// threat 3 gives 3/2/1 for vulnerability 3/2/1, threat 2 gives 2/1/1,
// threat 1 gives 1/1/1.
var damageTable = [4][4]Rating{
	1: {1: 1, 2: 1, 3: 1},
	2: {1: 1, 2: 1, 3: 2},
	3: {1: 1, 2: 2, 3: 3},
}

// LikelihoodOfDamage is the current guideline's likelihood of damage.
func LikelihoodOfDamage(threat, vuln Rating) Rating { return damageTable[threat][vuln] }

// Guideline is the current guideline's method: risk value = importance ×
// likelihood of damage (1–9).
var Guideline = &Method{
	Key: "guideline", Max: 9, Values: []int{1, 2, 3, 4, 6, 9}, Columns: []int{1, 2, 3}, Medium: 3, High: 6, DefaultThreshold: 4,
	column: func(threat, vuln Rating) int { return int(LikelihoodOfDamage(threat, vuln)) },
}

// Classic is the older method still used in the field: risk value =
// importance × threat × vulnerability (1–27).
var Classic = &Method{
	Key: "classic", Max: 27, Values: []int{1, 2, 3, 4, 6, 8, 9, 12, 18, 27}, Columns: []int{1, 2, 3, 4, 6, 9}, Medium: 6, High: 18, DefaultThreshold: 8,
	column: func(threat, vuln Rating) int { return int(threat) * int(vuln) },
}

// Methods are the methods an organisation can choose, the default first.
var Methods = []*Method{Guideline, Classic}

// MethodByKey finds a method; unknown keys are an error, never a silent
// default, so a stored figure is never read with the wrong method.
func MethodByKey(key string) (*Method, error) {
	for _, m := range Methods {
		if m.Key == key {
			return m, nil
		}
	}
	return nil, fmt.Errorf("assets: unknown risk method %q", key)
}
