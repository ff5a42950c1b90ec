package registry

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The catalogs are complete in both languages, use only this package's
// prefix, never name IPA's trademark, and cover every key used here.
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
	for k := range ja {
		if _, ok := en[k]; !ok {
			t.Errorf("%s missing in en", k)
		}
		if !strings.HasPrefix(k, "registry.") {
			t.Errorf("%s: not this package's prefix", k)
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
	for _, lang := range []map[string]string{ja, en} {
		for k, v := range lang {
			if strings.Contains(strings.ToUpper(v), "SECURITY ACTION") {
				t.Errorf("%s names IPA's trademark", k)
			}
		}
	}
	keyRe := regexp.MustCompile(`\.T "([a-z0-9_.]+)"|"((?:registry|decl|error)\.[a-z0-9_.]+[a-z0-9_])"`)
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
				k := m[1] + m[2]
				if k == "registry.csv" { // the export's file name
					continue
				}
				if !cat.Has(k) {
					t.Errorf("%s uses %s, which no catalog defines", f, k)
				}
			}
		}
	}
	// Keys built with printf.
	for _, k := range []string{"registry.stars.1", "registry.stars.2"} {
		if !cat.Has(k) {
			t.Errorf("%s missing", k)
		}
	}
}
