package controls

import (
	"fmt"
	"regexp"
	"testing"

	"mamori/internal/i18n/i18ntest"
)

// The package's catalogs are complete in both languages, use only the
// agreed prefixes, and cover every key the templates and code name,
// including the keys built at run time (medium labels, answers, values).
func TestCatalog(t *testing.T) {
	cat := testCatalog(t) // fails on a key defined twice across packages
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(controls\.|flash\.controls_)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:controls|flash|error)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 25 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, m := range append([]Medium{NoMedium}, Media...) {
		used = append(used, m.LabelKey())
	}
	for _, a := range Answers {
		used = append(used, "controls.answer."+string(a))
	}
	for v := 1; v <= 3; v++ {
		used = append(used, fmt.Sprintf("controls.vuln.%d", v))
	}
	for _, k := range used {
		// The audit action shares the prefix but is not a message.
		if k == ActionSaved {
			continue
		}
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
}

// The medium labels package assets shows are exactly these.
func TestMediumLabels(t *testing.T) {
	cat := testCatalog(t)
	want := map[Medium]string{MediumPaper: "書類", MediumRemovable: "可搬記録媒体", MediumOfficePC: "事務所内の PC",
		MediumMobile: "持ち出し用の PC・スマートフォン", MediumServer: "社内サーバー・NAS", MediumCloud: "クラウドサービス・外部サーバー"}
	ja := cat.Printer("ja")
	for m, label := range want {
		if got := ja.T(m.LabelKey()); got != label {
			t.Errorf("%s: %q, want %q", m, got, label)
		}
	}
}
