// Package i18ntest holds the checks every capability's catalog test makes,
// so each package's test states only what is its own: its prefixes, how
// its code names keys, and the keys it builds at run time.
package i18ntest

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Own reads a package's ja.json and en.json from locales and checks them:
// the same keys in both (but for English's "<key>.one" plural variants,
// which Japanese must not have), every key matching prefix, the same
// number of placeholders in both languages, and no value naming IPA's
// trademark.
// It returns both catalogs for further checks.
func Own(t testing.TB, locales fs.FS, prefix *regexp.Regexp) (ja, en map[string]string) {
	t.Helper()
	for name, m := range map[string]*map[string]string{"ja.json": &ja, "en.json": &en} {
		b, err := fs.ReadFile(locales, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for k := range ja {
		if strings.HasSuffix(k, ".one") {
			t.Errorf("%s: Japanese has no plural forms; only English has .one variants", k)
		}
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
		if base, ok := strings.CutSuffix(k, ".one"); ok {
			// English's singular variant (Printer.N): Japanese has no
			// plural forms, so it has none; it varies a message that
			// exists and shows the same arguments.
			if _, ok := en[base]; !ok {
				t.Errorf("%s varies %s, which en does not define", k, base)
			} else if strings.Count(en[k], "{") != strings.Count(en[base], "{") {
				t.Errorf("%s: placeholders differ from %s", k, base)
			}
			continue
		}
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
	return ja, en
}

// Used returns the keys the package's templates and Go files (not tests)
// name, found by re: each match's key is the concatenation of its
// submatches (one of them matches). globs are relative to the package.
func Used(t testing.TB, re *regexp.Regexp, globs ...string) []string {
	t.Helper()
	var used []string
	for _, glob := range globs {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used = append(used, strings.Join(m[1:], ""))
			}
		}
	}
	return used
}
