package org

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/org/jp"
)

// The package's catalogs are complete in both languages, use only the
// agreed prefixes, and cover every key the templates and code name.
func TestCatalog(t *testing.T) {
	cat := testCatalog(t) // fails on a key defined twice across packages
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems: %v", p)
	}
	var ja, en map[string]string
	for name, m := range map[string]*map[string]string{"ja.json": &ja, "en.json": &en} {
		b, err := fs.ReadFile(Locales(), name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
	}
	prefix := regexp.MustCompile(`^(org\.|dashboard\.|invite\.|api\.org\.|flash\.org_|mail\.invite\.(subject|body)$)`)
	for k := range ja {
		if _, ok := en[k]; !ok {
			t.Errorf("%s missing in en", k)
		}
		if !prefix.MatchString(k) {
			t.Errorf("%s: not one of this package's prefixes", k)
		}
		if strings.Count(ja[k], "{") != strings.Count(en[k], "{") {
			t.Errorf("%s: placeholders differ between ja and en", k)
		}
	}
	for k := range en {
		if _, ok := ja[k]; !ok {
			t.Errorf("%s missing in ja", k)
		}
	}

	var used []string
	keyRe := regexp.MustCompile(`\.T "([a-z_.]+)"|"((?:org|invite|dashboard|flash|mail)\.[a-z_.]+[a-z_])"`)
	for _, glob := range []string{"templates/*.html", "*.go"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
				used = append(used, m[1]+m[2])
			}
		}
	}
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
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for _, k := range used {
		if !cat.Has(k) {
			t.Errorf("key %q is used but not in any catalog", k)
		}
	}
}
