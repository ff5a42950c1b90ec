package declaration

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/i18n/i18ntest"
)

// The package's catalogs are complete in both languages, use only the
// agreed prefixes, and cover every key the templates and code name.
func TestCatalog(t *testing.T) {
	cat := testCatalog(t) // fails on a key defined twice across packages
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(decl\.|principles\.|flash\.decl_)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:decl|principles|flash|error)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	for _, k := range EventKinds {
		used = append(used, "decl.event."+k)
	}
	for stars := 1; stars <= 2; stars++ {
		used = append(used, "decl.level."+strconv.Itoa(stars))
	}
	if len(used) < 60 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, k := range used {
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
}

func TestPrinciplesContent(t *testing.T) {
	ps := Principles()
	if len(ps) != NumPrinciples || PrinciplesVersion() == "" {
		t.Fatalf("%d principles, version %q", len(ps), PrinciplesVersion())
	}
	keys := []string{"updates", "antivirus", "passwords", "sharing", "threats"}
	for i, p := range ps {
		if p.No != i+1 || p.Key != keys[i] {
			t.Errorf("principle %d: %d %s", i+1, p.No, p.Key)
		}
		for _, lang := range []string{"ja", "en"} {
			txt := p.In(lang)
			if strings.Contains(strings.ToUpper(txt.Title+txt.Summary+strings.Join(txt.Steps, "")), "SECURITY ACTION") {
				t.Errorf("principle %d names IPA's trademark", p.No)
			}
		}
	}
	if ps[0].In("fr").Title != ps[0].In("ja").Title {
		t.Error("unknown language does not fall back to Japanese")
	}
	// Callers get a copy.
	ps[0].No = 99
	if Principles()[0].No != 1 {
		t.Error("Principles exposes its backing array")
	}
	// The topics the programme requires are there.
	for i, words := range [][]string{{"更新"}, {"ウイルス対策", "定義ファイル"}, {"パスワード", "使い回"}, {"共有", "クラウド", "NAS", "プリンター", "カメラ"}, {"脅威", "手口"}} {
		txt := ps[i].In("ja")
		all := txt.Title + txt.Summary + strings.Join(txt.Steps, "")
		for _, w := range words {
			if !strings.Contains(all, w) {
				t.Errorf("principle %d lacks %q", i+1, w)
			}
		}
	}

	bad := []string{
		`{}`,
		`{"version":"x","principles":[]}`,
		`{"version":"x","principles":[{"no":1,"key":"a","text":{}}]}`,
		`not json`,
	}
	for _, b := range bad {
		if _, err := parsePrinciples([]byte(b)); err == nil {
			t.Errorf("parsePrinciples(%s) accepted", b)
		}
	}
}
