package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"mamori/internal/web"
)

// axeFaultyPage breaks two rules axe-core calls critical: an image
// without a text alternative and a text field without a label. Its
// script is external, so the page itself runs under mamori's CSP.
const axeFaultyPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faulty</title></head>
<body><main><h1>Faulty</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="pic">
<input id="nolabel" name="q">
</main></body></html>`

// axeCleanPage is the same content done right.
const axeCleanPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>clean</title></head>
<body><main><h1>Clean</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A dot">
<label for="q">Search</label> <input id="q" name="q">
</main></body></html>`

// TestAxe runs axe-core in pages served under mamori's own
// Content-Security-Policy: the faulty page's two violations are found,
// with their impact and the elements at fault, and the clean page has
// none.
func TestAxe(t *testing.T) {
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", web.CSP)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("GET /faulty", page(axeFaultyPage))
	mux.HandleFunc("GET /clean", page(axeCleanPage))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := New(t)
	b.Run(chromedp.Navigate(srv.URL + "/faulty"))
	vs := b.Axe()
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"image-alt", "label"} {
		i := slices.IndexFunc(vs, func(v AxeViolation) bool { return v.ID == want })
		if i < 0 {
			t.Errorf("axe did not report %s; it reported %v", want, ids)
			continue
		}
		v := vs[i]
		if v.Impact != "critical" || v.Help == "" || len(v.Nodes) != 1 || len(v.Nodes[0].Target) == 0 {
			t.Errorf("%s: impact %q, help %q, nodes %+v", want, v.Impact, v.Help, v.Nodes)
		}
		if len(Serious([]AxeViolation{v})) != 1 {
			t.Errorf("Serious drops the critical %s", want)
		}
	}
	s := fmt.Sprint(vs)
	if !strings.Contains(s, "#pic") || !strings.Contains(s, "#nolabel") {
		t.Errorf("the report does not name the elements at fault:\n%s", s)
	}
	// A second run on the same document reuses the injected script;
	// tags narrow the rules.
	if vs := b.Axe("wcag2a"); len(vs) < 2 {
		t.Errorf("wcag2a rules: %v", vs)
	}
	if vs := b.Axe("best-practice"); slices.ContainsFunc(vs, func(v AxeViolation) bool { return v.ID == "image-alt" }) {
		t.Errorf("best-practice rules include image-alt: %v", vs)
	}
	if got := Serious([]AxeViolation{{ID: "x", Impact: "moderate"}, {ID: "y", Impact: "minor"}}); len(got) != 0 {
		t.Errorf("Serious keeps %v", got)
	}

	b.Run(chromedp.Navigate(srv.URL + "/clean"))
	if vs := b.CheckAxe("clean page"); len(vs) != 0 {
		t.Errorf("the clean page has violations: %v", vs)
	}
	if errs := b.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors (CSP?): %v", errs)
	}
}
