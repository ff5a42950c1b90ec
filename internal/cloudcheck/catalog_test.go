package cloudcheck

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
	ja, _ := i18ntest.Own(t, Locales(), regexp.MustCompile(`^(cloud\.|flash\.cloud_|mail\.cloud_reminder\.)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:cloud|flash|error|field|mail)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 80 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	inUse := map[string]bool{}
	for _, k := range used {
		inUse[k] = true
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
	// Every message of ours is shown somewhere: no dead keys.
	for k := range ja {
		if !inUse[k] {
			t.Errorf("key %q is in the catalog but used nowhere", k)
		}
	}
}
