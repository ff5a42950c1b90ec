package policy

import (
	"regexp"
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
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(policy\.|flash\.policy_)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:policy|flash|error)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 60 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, k := range used {
		// Audit action names share the prefix but are not messages.
		if k == ActionPublished || k == ActionExternalRecorded {
			continue
		}
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
}
