package declaration

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"mamori/internal/i18n"
)

// NumPrinciples is the number of principles a one-star declaration
// commits to.
const NumPrinciples = 5

// PrincipleText is one principle in one language.
type PrincipleText struct {
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Steps   []string `json:"steps"` // "how to do it this week"
}

// Principle is one of the five principles, numbered 1–5.
type Principle struct {
	No   int                      `json:"no"`
	Key  string                   `json:"key"`
	Text map[string]PrincipleText `json:"text"` // by language
}

// In returns the principle in lang, falling back to the default language.
func (p Principle) In(lang string) PrincipleText {
	if t, ok := p.Text[lang]; ok {
		return t
	}
	return p.Text[i18n.Default]
}

// principleSet is content/principles.json. Version names the wording; a
// declaration's history records the version it was made with.
type principleSet struct {
	Version    string      `json:"version"`
	Principles []Principle `json:"principles"`
}

//go:embed content/principles.json
var principlesJSON []byte

// principles is parsed once at start, so broken content stops the binary
// at boot (and the tests) rather than a page later.
var principles = mustParsePrinciples(principlesJSON)

// Principles returns the five principles in order.
func Principles() []Principle { return append([]Principle(nil), principles.Principles...) }

// PrinciplesVersion names the wording of the principles in use.
func PrinciplesVersion() string { return principles.Version }

func mustParsePrinciples(b []byte) principleSet {
	set, err := parsePrinciples(b)
	if err != nil {
		panic(err)
	}
	return set
}

// parsePrinciples reads the content and checks its shape: five principles
// numbered 1–5 in order, each with a title, a summary and three or four
// steps in every language.
func parsePrinciples(b []byte) (principleSet, error) {
	var set principleSet
	if err := json.Unmarshal(b, &set); err != nil {
		return set, fmt.Errorf("declaration: principles.json: %w", err)
	}
	if set.Version == "" {
		return set, fmt.Errorf("declaration: principles.json has no version")
	}
	if len(set.Principles) != NumPrinciples {
		return set, fmt.Errorf("declaration: %d principles, want %d", len(set.Principles), NumPrinciples)
	}
	keys := map[string]bool{}
	for i, p := range set.Principles {
		if p.No != i+1 || p.Key == "" || keys[p.Key] {
			return set, fmt.Errorf("declaration: principle %d: number %d, key %q", i+1, p.No, p.Key)
		}
		keys[p.Key] = true
		for _, lang := range i18n.Languages {
			t, ok := p.Text[lang]
			if !ok || t.Title == "" || t.Summary == "" || len(t.Steps) < 3 || len(t.Steps) > 4 {
				return set, fmt.Errorf("declaration: principle %d (%s) incomplete in %s", p.No, p.Key, lang)
			}
			for _, s := range t.Steps {
				if s == "" {
					return set, fmt.Errorf("declaration: principle %d (%s) has an empty step in %s", p.No, p.Key, lang)
				}
			}
		}
	}
	return set, nil
}
