package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/app"
	"mamori/internal/i18n"
)

// TestCatalogsComplete fails when a key is missing or empty in either
// language.
func TestCatalogsComplete(t *testing.T) {
	cat, err := i18n.Load(app.LocaleSources()...)
	if err != nil {
		t.Fatal(err)
	}
	if p := cat.Problems(); len(p) > 0 {
		t.Fatalf("catalog problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestTemplateKeysExist finds every literal key used by templates and Go
// code ({{.L.T "key"}}, apperr keys, flash keys) and checks the catalog
// has it, so a typo cannot show a raw key to a user.
func TestTemplateKeysExist(t *testing.T) {
	cat, err := i18n.Load(app.LocaleSources()...)
	if err != nil {
		t.Fatal(err)
	}
	// {{template "field" (field $ "name" "label.key" … "hint" "hint.key")}}
	// names its keys as arguments.
	tmplKey := regexp.MustCompile(`\.[TN] "([a-z0-9_.]+)"|\(field \S+ \S+ "([a-z0-9_.]+)"|"hint" "([a-z0-9_.]+)"`)
	goKey := regexp.MustCompile(`"((?:error|auth|flash|settings|admin|org|dashboard|invite|outbox|audit|field|action|nav|home)\.[a-z0-9_.]+)"`)
	root := filepath.Join("..")
	missing := map[string]string{}
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// audit.go holds action names such as "org.created", not keys.
		if strings.HasSuffix(path, "_test.go") || strings.Contains(path, "testdata") || strings.HasSuffix(path, filepath.Join("audit", "audit.go")) {
			return nil
		}
		var re *regexp.Regexp
		switch {
		case strings.HasSuffix(path, ".html"):
			re = tmplKey
		case strings.HasSuffix(path, ".go"):
			re = goKey
		default:
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			k := strings.Join(m[1:], "")
			if strings.HasSuffix(k, ".") || strings.HasSuffix(k, "_") {
				continue // a prefix completed at run time
			}
			if !cat.Has(k) && !cat.Has(k+".subject") {
				missing[k] = path
			}
		}
		return nil
	})
	for k, p := range missing {
		t.Errorf("key %q used in %s is not in the catalogs", k, p)
	}
}
