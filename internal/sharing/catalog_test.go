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
	used := i18ntest.Used(t, regexp.MustCompile(`\.T "([a-z0-9_.]+)"|"((?:sharing|flash|error)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	actions := map[string]bool{ActionMemberAdded: true, ActionMemberLeft: true, ActionNDARecorded: true, ActionSIGCreated: true, ActionSIGUpdated: true,
		ActionSIGsSet: true, ActionStaffAdded: true, ActionStaffRemoved: true, ActionBoundarySet: true, ActionReported: true, ActionRawMailViewed: true, ActionHistorySet: true}
	for _, k := range used {
		if actions[k] {
			continue // audit action names, not messages
		}
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
	for _, st := range statuses {
		if !cat.Has("sharing.status."+st) || !cat.Has("sharing.status_help."+st) {
			t.Errorf("status %s lacks its label or help", st)
		}
	}
}
