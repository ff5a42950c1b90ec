package policy

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
	prefix := regexp.MustCompile(`^(policy\.|flash\.policy_)`)
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
	keyRe := regexp.MustCompile(`\.T "([a-z0-9_.]+)"|"((?:policy|flash|error)\.[a-z0-9_.]+[a-z0-9_])"`)
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
