package browsertest

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// The accessibility check: axe-core (testdata/axe, MPL-2.0) run in the
// current page, so that a walk through the product fails on the faults a
// screen reader or keyboard user would meet, not only on what a test
// thought of asserting.

//go:embed testdata/axe/axe.min.js
var axeScript string

// AxeViolation is one rule that axe-core found broken on the page, with
// the elements that break it.
type AxeViolation struct {
	ID      string    `json:"id"`     // the rule, e.g. "color-contrast"
	Impact  string    `json:"impact"` // "minor", "moderate", "serious" or "critical"
	Help    string    `json:"help"`   // one line on what the rule asks
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule: its CSS selector (one per
// frame) and axe's summary of what to fix.
type AxeNode struct {
	Target  []string `json:"target"`
	Summary string   `json:"summary"`
	HTML    string   `json:"html"`
}

// String renders v for a test log: the rule, its impact and help, and
// each element's selector and what to fix.
func (v AxeViolation) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for i, n := range v.Nodes {
		if i == 8 {
			fmt.Fprintf(&s, "\n    … and %d more", len(v.Nodes)-i)
			break
		}
		fmt.Fprintf(&s, "\n    %s", strings.Join(n.Target, " > "))
		if n.Summary != "" {
			fmt.Fprintf(&s, ": %s", strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", " "))
		}
	}
	return s.String()
}

// Axe runs axe-core over the current page and returns its violations.
// With tags (e.g. "wcag2a", "wcag2aa"), only rules with one of those tags
// run; without, every rule axe-core runs by default. The script goes in
// through the DevTools protocol, which a page's Content-Security-Policy
// does not govern, so it works on pages that refuse inline scripts; it is
// injected once per document.
func (b *Browser) Axe(tags ...string) []AxeViolation {
	b.t.Helper()
	loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err == nil && !loaded {
		_, err = chromedp.Run(b.ctx, chromedp.Evaluate[any](axeScript+"\n;undefined"))
	}
	if err != nil {
		b.fail(fmt.Errorf("injecting axe-core: %w", err))
	}
	opts := "{resultTypes: ['violations']}"
	if len(tags) > 0 {
		opts = fmt.Sprintf("{resultTypes: ['violations'], runOnly: {type: 'tag', values: %s}}", jsStrings(tags))
	}
	vs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]AxeViolation](`axe.run(document, `+opts+`).then(function (r) {
  return r.violations.map(function (v) {
    return {id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(function (n) { return {target: n.target.map(String), summary: n.failureSummary || "", html: n.html} })};
  });
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(fmt.Errorf("running axe-core: %w", err))
	}
	return vs
}

// Serious keeps the violations of impact "serious" or "critical": the
// ones that lock a user out of content or a control.
func Serious(vs []AxeViolation) []AxeViolation {
	var out []AxeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// CheckAxe runs axe-core over the current page (see Axe) and fails the
// test, without stopping it, for each violation of impact "serious" or
// "critical", naming the page (what, e.g. "controls ja 390") and every
// element at fault. It returns the violations of every impact, for a
// test that wants to log the minor ones.
func (b *Browser) CheckAxe(what string, tags ...string) []AxeViolation {
	b.t.Helper()
	vs := b.Axe(tags...)
	for _, v := range Serious(vs) {
		b.t.Errorf("axe: %s: %s", what, v)
	}
	return vs
}

// jsStrings quotes ss as a JavaScript array of string literals.
func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
