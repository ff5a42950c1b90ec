package i18ntest

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"testing/fstest"
)

// recorder is a testing.TB that keeps the errors Own reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

// English may add a ".one" variant of a message it has, with the same
// placeholders; Japanese, which has no plural forms, may not.
func TestOwnPluralVariants(t *testing.T) {
	fs := fstest.MapFS{
		"ja.json": {Data: []byte(`{"x.n": "{0}件", "x.m.one": "{0}分"}`)},
		"en.json": {Data: []byte(`{"x.n": "{0} items", "x.n.one": "{0} item", "x.m.one": "{0} minute", "x.gone.one": "{0} thing", "x.bad.one": "one", "x.bad": "{0} bad"}`)},
	}
	r := &recorder{TB: t}
	Own(r, fs, regexp.MustCompile(`^x\.`))
	slices.Sort(r.errs)
	want := []string{
		"x.bad missing in ja",
		"x.bad.one: placeholders differ from x.bad",
		"x.gone.one varies x.gone, which en does not define",
		"x.m.one varies x.m, which en does not define",
		"x.m.one: Japanese has no plural forms; only English has .one variants",
	}
	if !slices.Equal(r.errs, want) {
		t.Errorf("Own reported\n%q\nwant\n%q", r.errs, want)
	}
}
