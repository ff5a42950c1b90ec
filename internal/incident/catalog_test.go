package incident

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
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(incident\.|flash\.incident_)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:incident|flash|error|field)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 80 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	audits := map[string]bool{ActionCardSaved: true, ActionCreated: true, ActionUpdated: true, ActionClosed: true, ActionReopened: true}
	for _, k := range used {
		// Audit action names share the prefix but are not messages.
		if audits[k] {
			continue
		}
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
	// Keys built at run time.
	for _, m := range []map[string]string{kindTitleKeys, kindHintKeys, situationTitleKeys, requirementKeys} {
		for _, k := range m {
			if !cat.Has(k) {
				t.Errorf("key %q is built but not in the catalog", k)
			}
		}
	}
	for _, sit := range Situations {
		if situationTitleKeys[sit] == "" {
			t.Errorf("situation %s has no title", sit)
		}
	}
	for _, k := range Kinds {
		if kindTitleKeys[k] == "" || kindHintKeys[k] == "" {
			t.Errorf("kind %s has no title or hint", k)
		}
	}
}
