package controls

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"mamori/internal/i18n"
)

// Medium is a kind of medium that holds information: the asset ledger's
// "kind of medium" column uses exactly these keys, and each control names
// the media it protects. Labels are the messages "controls.medium.<key>".
type Medium string

const (
	MediumPaper     Medium = "paper"     // 書類
	MediumRemovable Medium = "removable" // 可搬記録媒体 (USB memory, DVDs, external disks)
	MediumOfficePC  Medium = "office_pc" // 事務所内の PC
	MediumMobile    Medium = "mobile"    // 持ち出し用の PC・スマートフォン
	MediumServer    Medium = "server"    // 社内サーバー・NAS
	MediumCloud     Medium = "cloud"     // クラウドサービス・外部サーバー
)

// NoMedium is the key of the vulnerability derived from all controls,
// for an asset whose medium is not set.
const NoMedium Medium = ""

// Media are the medium keys in the ledger's order.
var Media = []Medium{MediumPaper, MediumRemovable, MediumOfficePC, MediumMobile, MediumServer, MediumCloud}

// Valid reports whether m is one of Media (NoMedium is not).
func (m Medium) Valid() bool {
	switch m {
	case MediumPaper, MediumRemovable, MediumOfficePC, MediumMobile, MediumServer, MediumCloud:
		return true
	}
	return false
}

// LabelKey is the message key of the medium's label;
// "controls.medium.none" for NoMedium.
func (m Medium) LabelKey() string {
	if m == NoMedium {
		return "controls.medium.none"
	}
	return "controls.medium." + string(m)
}

// Text is a control's wording in one language.
type Text struct {
	Statement string `json:"statement"`
	Hint      string `json:"hint"`
}

// Control is one countermeasure of the check sheet.
type Control struct {
	// Key is stable (org.1, people.3, …): answers are stored under it. Its part
	// before the dot is the chapter's key.
	Key     string   `json:"key"`
	Chapter string   `json:"-"`
	Media   []Medium `json:"media"`
	Ja      Text     `json:"ja"`
	En      Text     `json:"en"`
}

// Text returns the wording in lang, falling back to Japanese.
func (c *Control) Text(lang string) Text {
	if lang == "en" {
		return c.En
	}
	return c.Ja
}

// Protects reports whether the control protects medium m.
func (c *Control) Protects(m Medium) bool {
	for _, x := range c.Media {
		if x == m {
			return true
		}
	}
	return false
}

// Chapter is a group of controls, in the sheet's order.
type Chapter struct {
	Key      string            `json:"key"`
	Title    map[string]string `json:"title"`
	Controls []*Control        `json:"controls"`
}

// TitleIn returns the chapter's title in lang, falling back to the
// default language.
func (c *Chapter) TitleIn(lang string) string {
	if t, ok := c.Title[lang]; ok {
		return t
	}
	return c.Title[i18n.Default]
}

// ChapterKeys are the ten chapters in order: organisation, people,
// information assets, access control, physical, IT equipment, IT
// infrastructure, outsourcing, incidents and continuity, individual
// numbers.
var ChapterKeys = []string{"org", "people", "assets", "access", "physical", "equipment", "infra", "outsourcing", "incidents", "my_number"}

type contentSet struct {
	Version  string     `json:"version"`
	Chapters []*Chapter `json:"chapters"`
}

//go:embed content/controls.json
var contentJSON []byte

// content is parsed once at start, so broken content stops the binary at
// boot (and the tests) rather than a page later.
var content = mustParseContent(contentJSON)

// byKey finds a control by key.
var byKey = indexControls(content.Chapters)

func mustParseContent(b []byte) *contentSet {
	c, err := parseContent(b)
	if err != nil {
		panic(err)
	}
	return c
}

// parseContent reads and checks the content: the chapters in
// ChapterKeys order, unique keys prefixed by their chapter, both
// languages filled, valid media.
func parseContent(b []byte) (*contentSet, error) {
	var c contentSet
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("controls content: %w", err)
	}
	if len(c.Chapters) != len(ChapterKeys) {
		return nil, fmt.Errorf("controls content: %d chapters, want %d", len(c.Chapters), len(ChapterKeys))
	}
	seen := map[string]bool{}
	for i, ch := range c.Chapters {
		if ch.Key != ChapterKeys[i] {
			return nil, fmt.Errorf("controls content: chapter %d is %q, want %q", i+1, ch.Key, ChapterKeys[i])
		}
		for _, lang := range i18n.Languages {
			if strings.TrimSpace(ch.Title[lang]) == "" {
				return nil, fmt.Errorf("controls content: chapter %s has no %s title", ch.Key, lang)
			}
		}
		for _, ctl := range ch.Controls {
			if !strings.HasPrefix(ctl.Key, ch.Key+".") || seen[ctl.Key] {
				return nil, fmt.Errorf("controls content: bad or repeated key %q in chapter %s", ctl.Key, ch.Key)
			}
			seen[ctl.Key] = true
			ctl.Chapter = ch.Key
			if len(ctl.Media) == 0 {
				return nil, fmt.Errorf("controls content: %s protects no medium", ctl.Key)
			}
			dup := map[Medium]bool{}
			for _, m := range ctl.Media {
				if !m.Valid() || dup[m] {
					return nil, fmt.Errorf("controls content: %s: bad or repeated medium %q", ctl.Key, m)
				}
				dup[m] = true
			}
			for _, t := range []Text{ctl.Ja, ctl.En} {
				if strings.TrimSpace(t.Statement) == "" || strings.TrimSpace(t.Hint) == "" {
					return nil, fmt.Errorf("controls content: %s lacks a statement or hint", ctl.Key)
				}
			}
		}
	}
	return &c, nil
}

func indexControls(chs []*Chapter) map[string]*Control {
	m := map[string]*Control{}
	for _, ch := range chs {
		for _, c := range ch.Controls {
			m[c.Key] = c
		}
	}
	return m
}

// Chapters returns the sheet's chapters in order. The content is shared:
// callers must not modify it.
func Chapters() []*Chapter { return content.Chapters }

// ControlByKey finds a control; ok is false for an unknown key.
func ControlByKey(key string) (c *Control, ok bool) {
	c, ok = byKey[key]
	return c, ok
}

// AllControls lists every control in the sheet's order.
func AllControls() []*Control {
	var out []*Control
	for _, ch := range content.Chapters {
		out = append(out, ch.Controls...)
	}
	return out
}

// ContentVersion names the wording of the check sheet in use.
func ContentVersion() string { return content.Version }
