package org

import (
	"regexp"
	"testing"

	"mamori/internal/i18n/i18ntest"
	"mamori/internal/org/jp"
)

// The package's catalogs are complete in both languages, use only the
// agreed prefixes, and cover every key the templates and code name.
func TestCatalog(t *testing.T) {
	cat := testCatalog(t) // fails on a key defined twice across packages
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	i18ntest.Own(t, Locales(), regexp.MustCompile(`^(org\.|dashboard\.|invite\.|api\.org\.|flash\.org_|mail\.invite\.(subject|body)$)`))
	used := i18ntest.Used(t, regexp.MustCompile(`\.[TN] "([a-z_.]+)"|"((?:org|invite|dashboard|flash|mail)\.[a-z_.]+[a-z_])"`), "templates/*.html", "*.go")
	for _, r := range []string{RoleOwner, RoleMember} {
		used = append(used, "org.role."+r)
	}
	for _, c := range []jp.SizeClass{jp.SizeSmallBusiness, jp.SizeSME, jp.SizeLarge, jp.SizeUnknown} {
		used = append(used, "org.size."+string(c))
	}
	for _, b := range []jp.SurveyBand{jp.BandSmallBusiness, jp.BandUpTo100, jp.Band101Plus} {
		used = append(used, "org.band."+string(b))
	}
	for _, s := range []jp.Sector{jp.SectorManufacturing, jp.SectorWholesale, jp.SectorServices, jp.SectorRetail} {
		used = append(used, "org.rule."+string(s))
	}
	for _, ind := range jp.Industries() {
		if jp.Split(ind.Code) {
			used = append(used, "org.rule.split."+ind.Code)
		}
	}
	for _, w := range standingWords {
		used = append(used, "dashboard.standing."+w)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, k := range used {
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
}
