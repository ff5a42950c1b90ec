package assets

import (
	"regexp"
	"slices"
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
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(assets\.|flash\.asset_|flash\.risk_)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|"((?:assets|flash|error|controls)\.[a-z0-9_.]+[a-z0-9_])"`), "templates/*.html", "*.go")
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	actions := []string{ActionCreated, ActionUpdated, ActionDeleted, ActionRestored, ActionImported, ActionSettingsChange}
	for _, k := range used {
		// Audit action names share the prefix but are not messages.
		if slices.Contains(actions, k) {
			continue
		}
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
	// Keys built in templates from fixed vocabularies.
	for _, p := range PersonalDataKinds {
		want(t, cat.Has("assets.personal."+string(p)), "assets.personal."+string(p))
	}
	for _, tr := range Treatments {
		want(t, cat.Has("assets.treatment."+string(tr)), "assets.treatment."+string(tr))
	}
	for _, m := range Methods {
		for _, pre := range []string{"assets.method.", "assets.method_formula.", "assets.method_about.", "assets.column.", "assets.heat.x_", "assets.heat.desc_"} {
			want(t, cat.Has(pre+m.Key), pre+m.Key)
		}
	}
	for _, k := range []string{"business_area", "name", "notes", "users", "department", "medium", "storage", "personal_data", "confidentiality",
		"integrity", "availability", "retention", "registered_on", "threat", "vulnerability", "vulnerability_reason", "treatment", "treatment_owner", "treatment_due"} {
		want(t, cat.Has("assets.field."+k), "assets.field."+k)
	}
	for _, k := range []string{"confidentiality", "integrity", "availability"} {
		want(t, cat.Has("assets.hint."+k), "assets.hint."+k)
	}
	for _, k := range []string{"max_cia", "personal", "special"} {
		want(t, cat.Has("assets.importance."+k+"_short"), "assets.importance."+k+"_short")
	}
	for _, k := range []string{"low", "medium", "high"} {
		want(t, cat.Has("assets.band."+k), "assets.band."+k)
	}
	for _, k := range []string{"override", "controls", ""} {
		want(t, cat.Has("assets.vulnerability_from."+k), "assets.vulnerability_from."+k)
	}
	for i := 1; i <= 3; i++ {
		want(t, cat.Has("assets.threat."+string(rune('0'+i))) && cat.Has("assets.vulnerability."+string(rune('0'+i))), "assets.threat/vulnerability.N")
	}
}

func want(t *testing.T, ok bool, key string) {
	t.Helper()
	if !ok {
		t.Errorf("catalog lacks %s", key)
	}
}
