package controls

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestContent(t *testing.T) {
	chs := Chapters()
	if len(chs) != 10 {
		t.Fatalf("%d chapters, want 10", len(chs))
	}
	all := AllControls()
	if n := len(all); n < 40 || n > 50 {
		t.Errorf("%d controls, want 40–50", n)
	}
	seen := map[string]bool{}
	for i, ch := range chs {
		if ch.Key != ChapterKeys[i] {
			t.Errorf("chapter %d is %q, want %q", i+1, ch.Key, ChapterKeys[i])
		}
		if len(ch.Controls) < 3 {
			t.Errorf("chapter %s has %d controls, want at least 3", ch.Key, len(ch.Controls))
		}
		if ch.TitleIn("ja") == "" || ch.TitleIn("en") == "" || ch.TitleIn("xx") != ch.TitleIn("ja") {
			t.Errorf("chapter %s: titles %v", ch.Key, ch.Title)
		}
		for _, c := range ch.Controls {
			if seen[c.Key] {
				t.Errorf("key %s repeated", c.Key)
			}
			seen[c.Key] = true
			if c.Chapter != ch.Key || !strings.HasPrefix(c.Key, ch.Key+".") {
				t.Errorf("%s: chapter %q", c.Key, c.Chapter)
			}
			if got, ok := ControlByKey(c.Key); !ok || got != c {
				t.Errorf("ControlByKey(%s) = %v, %v", c.Key, got, ok)
			}
			for lang, tx := range map[string]Text{"ja": c.Text("ja"), "en": c.Text("en")} {
				if strings.TrimSpace(tx.Statement) == "" || strings.TrimSpace(tx.Hint) == "" {
					t.Errorf("%s: %s statement or hint missing", c.Key, lang)
				}
				if strings.Contains(tx.Hint, "\n") || utf8.RuneCountInString(tx.Hint) > 200 {
					t.Errorf("%s: %s hint is not one short line", c.Key, lang)
				}
			}
			if c.Text("ja") == c.Text("en") {
				t.Errorf("%s: ja and en are the same", c.Key)
			}
			if len(c.Media) == 0 {
				t.Errorf("%s protects no medium", c.Key)
			}
			for _, m := range c.Media {
				if !m.Valid() {
					t.Errorf("%s: medium %q", c.Key, m)
				}
			}
		}
	}
	// Organisation and people controls apply to everything.
	for _, c := range chs[0].Controls {
		if len(c.Media) != len(Media) {
			t.Errorf("%s: organisational control protects %v, want all media", c.Key, c.Media)
		}
	}
	for _, m := range Media {
		n := 0
		for _, c := range all {
			if c.Protects(m) {
				n++
			}
		}
		if n < 5 {
			t.Errorf("medium %s is protected by %d controls, want at least 5", m, n)
		}
	}
	if _, ok := ControlByKey("org.999"); ok {
		t.Error("unknown key found")
	}
	if ContentVersion() == "" {
		t.Error("no content version")
	}
}

func TestMedia(t *testing.T) {
	want := []string{"paper", "removable", "office_pc", "mobile", "server", "cloud"}
	if len(Media) != len(want) {
		t.Fatalf("Media = %v", Media)
	}
	for i, m := range Media {
		if string(m) != want[i] || !m.Valid() || m.LabelKey() != "controls.medium."+want[i] {
			t.Errorf("Media[%d] = %q", i, m)
		}
	}
	for _, m := range []Medium{NoMedium, "PAPER", "usb", "paper "} {
		if m.Valid() {
			t.Errorf("%q is valid", m)
		}
	}
	if NoMedium.LabelKey() != "controls.medium.none" {
		t.Error(NoMedium.LabelKey())
	}
}

// Broken content stops the binary at start instead of a page later.
func TestParseContentRejects(t *testing.T) {
	good := string(contentJSON)
	cases := map[string]string{
		"syntax":          good[:len(good)-3],
		"unknown medium":  strings.Replace(good, `"media": ["server"]`, `"media": ["tape"]`, 1),
		"no medium":       strings.Replace(good, `"media": ["server"]`, `"media": []`, 1),
		"repeated medium": strings.Replace(good, `"media": ["server"]`, `"media": ["server", "server"]`, 1),
		"repeated key":    strings.Replace(good, `"key": "org.2"`, `"key": "org.1"`, 1),
		"key of other":    strings.Replace(good, `"key": "org.2"`, `"key": "people.9"`, 1),
		"chapter order":   strings.Replace(good, `"key": "people",`, `"key": "persons",`, 1),
		"no en title":     strings.Replace(good, `"en": "People"`, `"en": " "`, 1),
		"empty hint":      strings.Replace(good, `"hint": "A password manager makes long, different passwords practical."`, `"hint": ""`, 1),
	}
	for name, b := range cases {
		if b == good {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if _, err := parseContent([]byte(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := parseContent(contentJSON); err != nil {
		t.Fatal(err)
	}
}
