package registry

import (
	"regexp"
	"testing"

	"mamori/internal/i18n/i18ntest"
)

// The catalogs are complete in both languages, use only this package's
// prefix, never name IPA's trademark, and cover every key used here.
func TestCatalog(t *testing.T) {
	cat := testCatalog(t) // fails on a key defined twice across packages
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^registry\.`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:registry|decl|error)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	// Keys built with printf.
	used = append(used, "registry.stars.1", "registry.stars.2")
	for _, k := range used {
		if k != "registry.csv" && !cat.Has(k) { // registry.csv: the export's file name
			t.Errorf("%s is used, but no catalog defines it", k)
		}
	}
}
