package sharing

import (
	"regexp"
	"testing"

	"mamori/internal/i18n/i18ntest"
	"mamori/internal/org/orgtest"
)

// The package's catalogs are complete in both languages, use only the
// agreed prefix, and cover every key the code names.
func TestCatalog(t *testing.T) {
	cat := orgtest.Catalog(t, Locales())
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(sharing\.|flash\.share_)`))
	used := i18ntest.Used(t, regexp.MustCompile(`"(sharing\.[a-z0-9_.]+[a-z0-9_])"`), "*.go")
	if len(used) < 10 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, k := range used {
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
}
