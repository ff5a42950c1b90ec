package policy

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"mamori/internal/i18n"
)

// NumSections is the number of headings of a basic policy. IPA's sample
// has these five, in this order, and programme reviewers look for them.
const NumSections = 5

// SectionKeys name the five headings in order: management's
// responsibility, internal organisation, employees' efforts, compliance
// with laws and contracts, response to violations and incidents.
var SectionKeys = [NumSections]string{"management", "organisation", "employees", "compliance", "incidents"}

// Placeholders the template text may use; they are filled from the
// organisation's details (see fill).
const (
	PlaceholderCompany        = "{company}"
	PlaceholderRepresentative = "{representative}"
)

// Section is one heading of the template in one language.
type Section struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// Labels are the words of the signature block, in the document's own
// language (not the reader's), so a printed policy is in one language.
type Labels struct {
	Established    string `json:"established"`
	Revised        string `json:"revised"`
	Company        string `json:"company"`
	Representative string `json:"representative"`
}

// Text is the whole template policy in one language.
type Text struct {
	Title    string    `json:"title"`
	Intro    string    `json:"intro"`
	Sections []Section `json:"sections"`
	Labels   Labels    `json:"labels"`
}

// templateSet is content/template.json. Version names the wording, so a
// change of template text can be told apart in the docs and history.
type templateSet struct {
	Version string          `json:"version"`
	Text    map[string]Text `json:"text"`
}

//go:embed content/template.json
var templateJSON []byte

// tmpl is parsed once at start, so broken content stops the binary at boot
// (and the tests) rather than a page later.
var tmpl = mustParseTemplate(templateJSON)

// Template returns the template policy in lang, falling back to the
// default language. The sections slice is a copy.
func Template(lang string) Text {
	t, ok := tmpl.Text[lang]
	if !ok {
		t = tmpl.Text[i18n.Default]
	}
	t.Sections = append([]Section(nil), t.Sections...)
	return t
}

// TemplateVersion names the wording of the template in use.
func TemplateVersion() string { return tmpl.Version }

func mustParseTemplate(b []byte) templateSet {
	set, err := parseTemplate(b)
	if err != nil {
		panic(err)
	}
	return set
}

// placeholder finds every {…} token, so the check below refuses a typo
// such as {compnay} that would otherwise be published literally.
var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// parseTemplate reads the content and checks its shape: every language
// has a title, an intro, exactly the five headings in order, each with a
// title and a body, the signature labels, and no unknown placeholder.
func parseTemplate(b []byte) (templateSet, error) {
	var set templateSet
	if err := json.Unmarshal(b, &set); err != nil {
		return set, fmt.Errorf("policy: template.json: %w", err)
	}
	if set.Version == "" {
		return set, fmt.Errorf("policy: template.json has no version")
	}
	for _, lang := range i18n.Languages {
		t, ok := set.Text[lang]
		if !ok || t.Title == "" || t.Intro == "" {
			return set, fmt.Errorf("policy: template incomplete in %s", lang)
		}
		if l := t.Labels; l.Established == "" || l.Revised == "" || l.Company == "" || l.Representative == "" {
			return set, fmt.Errorf("policy: template labels incomplete in %s", lang)
		}
		if len(t.Sections) != NumSections {
			return set, fmt.Errorf("policy: %d sections in %s, want %d", len(t.Sections), lang, NumSections)
		}
		texts := []string{t.Title, t.Intro}
		for i, s := range t.Sections {
			if s.Key != SectionKeys[i] || s.Title == "" || s.Body == "" {
				return set, fmt.Errorf("policy: section %d in %s: key %q (want %q) or text missing", i+1, lang, s.Key, SectionKeys[i])
			}
			texts = append(texts, s.Title, s.Body)
		}
		for _, s := range texts {
			for _, p := range placeholder.FindAllString(s, -1) {
				if p != PlaceholderCompany && p != PlaceholderRepresentative {
					return set, fmt.Errorf("policy: unknown placeholder %s in %s", p, lang)
				}
			}
		}
	}
	return set, nil
}

// fill replaces the placeholders with the organisation's details. An
// unknown representative leaves {representative} in place, so the owner
// sees what is missing and publishing fills it later.
func fill(s, company, representative string) string {
	pairs := []string{PlaceholderCompany, company}
	if representative != "" {
		pairs = append(pairs, PlaceholderRepresentative, representative)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Paragraphs splits plain text for display: blank lines separate
// paragraphs and single newlines become line breaks. Templates range over
// the result and print each line with html/template's escaping, so the
// owner's text is never trusted as HTML.
func Paragraphs(s string) [][]string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " \t\u3000")
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
