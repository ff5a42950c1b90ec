package incident

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"mamori/internal/i18n"
	"mamori/internal/org"
)

// Situations name the card's five situations, in the card's order: a lost
// or stolen device, a malware infection, an e-mail sent to the wrong
// address, ransomware, a taken-over account.
var Situations = [NumSituations]string{"lost_device", "malware", "mis_sent_email", "ransomware", "account_takeover"}

// NumSituations is the number of situations on the card.
const NumSituations = 5

// Outside contact kinds, in the card's order: IPA's consultation desk,
// the prefectural police's cyber-crime desk, the organisation's IT
// vendor, and optionally its insurer and lawyer.
const (
	KindIPA     = "ipa"
	KindPolice  = "police"
	KindVendor  = "vendor"
	KindInsurer = "insurer"
	KindLawyer  = "lawyer"
)

// Kinds lists the outside contact kinds in order.
var Kinds = [numKinds]string{KindIPA, KindPolice, KindVendor, KindInsurer, KindLawyer}

const numKinds = 5

// IPADeskURL is the public page of IPA's information security consultation
// desk (情報セキュリティ安心相談窓口). Its phone number is not prefilled: we
// could not verify the current number from a source at hand, and a wrong
// number on a printed emergency card is worse than a blank one.
const IPADeskURL = "https://www.ipa.go.jp/security/anshin/"

// defaultText is our default content in one language.
type defaultText struct {
	// Roles label the first internal contact rows.
	Roles   []string `json:"roles"`
	IPAName string   `json:"ipa_name"`
	// PoliceName has a {prefecture} placeholder; Tokyo's police is the
	// Metropolitan Police Department, hence its own name.
	PoliceName      string              `json:"police_name"`
	PoliceNameTokyo string              `json:"police_name_tokyo"`
	Steps           map[string][]string `json:"steps"`
}

type defaultSet struct {
	Version string                 `json:"version"`
	Text    map[string]defaultText `json:"text"`
}

//go:embed content/defaults.json
var defaultsJSON []byte

// defaults is parsed once at start, so broken content stops the binary at
// boot (and the tests) rather than a page later.
var defaults = mustParseDefaults(defaultsJSON)

func mustParseDefaults(b []byte) defaultSet {
	d, err := parseDefaults(b)
	if err != nil {
		panic("incident: content/defaults.json: " + err.Error())
	}
	return d
}

// parseDefaults checks the content: both languages, every situation with
// three to six steps that pass the card's own checks, the labels filled.
func parseDefaults(b []byte) (defaultSet, error) {
	var d defaultSet
	if err := json.Unmarshal(b, &d); err != nil {
		return d, err
	}
	if d.Version == "" {
		return d, fmt.Errorf("no version")
	}
	for _, lang := range i18n.Languages {
		t, ok := d.Text[lang]
		if !ok {
			return d, fmt.Errorf("language %s missing", lang)
		}
		if len(t.Roles) == 0 || len(t.Roles) > MaxInternal || t.IPAName == "" || t.PoliceNameTokyo == "" ||
			!strings.Contains(t.PoliceName, "{prefecture}") {
			return d, fmt.Errorf("%s: labels incomplete", lang)
		}
		if len(t.Steps) != NumSituations {
			return d, fmt.Errorf("%s: %d situations, want %d", lang, len(t.Steps), NumSituations)
		}
		for _, sit := range Situations {
			steps := t.Steps[sit]
			if len(steps) < 3 || len(steps) > 6 {
				return d, fmt.Errorf("%s/%s: %d steps, want 3 to 6", lang, sit, len(steps))
			}
			if _, problem := cleanSteps(strings.Join(steps, "\n")); problem != "" {
				return d, fmt.Errorf("%s/%s: %s", lang, sit, problem)
			}
		}
	}
	return d, nil
}

func defaultsFor(lang string) defaultText {
	t, ok := defaults.Text[lang]
	if !ok {
		t = defaults.Text[i18n.Default]
	}
	return t
}

// DefaultsVersion names the wording of the default content.
func DefaultsVersion() string { return defaults.Version }

// DefaultSteps returns our default first steps for a situation in lang.
func DefaultSteps(lang, situation string) []string {
	return append([]string(nil), defaultsFor(lang).Steps[situation]...)
}

// DefaultCard is the card the editor starts from when an organisation has
// never saved one: role labels for the first internal rows, IPA's desk by
// name and address, the police desk named after the organisation's
// prefecture when known (o may be nil), and our first steps, in lang.
func DefaultCard(lang string, o *org.Org) Card {
	t := defaultsFor(lang)
	var c Card
	for i, role := range t.Roles {
		c.Internal[i].Role = role
	}
	c.Outside[0] = Contact{Name: t.IPAName, URL: IPADeskURL}
	if o != nil && o.Prefecture != "" {
		if o.Prefecture == "13" {
			c.Outside[1].Name = t.PoliceNameTokyo
		} else if p := o.PrefectureName(lang); p != "" {
			c.Outside[1].Name = strings.ReplaceAll(t.PoliceName, "{prefecture}", p)
		}
	}
	for i, sit := range Situations {
		c.Steps[i] = append([]string(nil), t.Steps[sit]...)
	}
	return c
}
