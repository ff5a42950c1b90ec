package browsertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// What a test does in a tab: run actions, submit a form, read text, wait
// for it, and see where the tab is.

// Run runs the actions in order. When one fails, it saves a full-page
// screenshot and the page HTML (see EnvArtifacts), logs their paths, and
// fails the test.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fail(err)
	}
}

// Submit clicks sel (a button that submits a form) and waits until the
// page it leads to has replaced the current one. Waiting for an element
// instead races when the next page has the same elements as this one (a
// form that redirects back to itself): the wait finds the old page's
// element and the next action runs while the page is changing. The
// current page is marked before the click; the wait is for an unmarked
// body.
func (b *Browser) Submit(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(document.body.dataset.mamoriStale = "1", true)`)); err != nil {
		b.fail(fmt.Errorf("marking the page before submitting %q: %w", sel, err))
	}
	b.Run(chromedp.Click(chromedp.CSS(sel)))
	b.Run(chromedp.WaitVisible(chromedp.CSS("body:not([data-mamori-stale])")))
}

// Text returns the visible text (innerText) of the first element that
// matches the CSS selector. It waits for the element to be present, up to the
// deadline.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail(fmt.Errorf("reading the text of %q: %w", sel, err))
	}
	return s
}

// WaitText waits until the visible text of the first element that matches
// the CSS selector contains substring. It polls rather than relying on a DOM
// event, so it also works across navigations and for text that scripts set
// later. It fails the test when the deadline passes.
func (b *Browser) WaitText(sel, substring string) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		return e ? {found: true, text: e.innerText} : {found: false, text: ""};
	})()`, jsString(sel))
	type result struct {
		Found bool   `json:"found"`
		Text  string `json:"text"`
	}
	var last result
	var lastErr error
	for {
		r, err := chromedp.Run(b.ctx, chromedp.Evaluate[result](js))
		if err == nil {
			last, lastErr = r, nil
			if r.Found && strings.Contains(r.Text, substring) {
				// The text is polled with JavaScript, which sees a new page
				// before chromedp's own DOM tracking does; wait for that too,
				// so a click right after does not use a stale node id.
				b.Run(chromedp.WaitReady(chromedp.CSS(sel)))
				return
			}
		} else if b.ctx.Err() == nil {
			// Most likely a navigation destroyed the execution context;
			// try again on the next page.
			lastErr = err
		}
		select {
		case <-b.ctx.Done():
			var what string
			switch {
			case lastErr != nil:
				what = fmt.Sprintf("last error: %v", lastErr)
			case !last.Found:
				what = "no element matches"
			default:
				what = fmt.Sprintf("last text %q", last.Text)
			}
			b.fail(fmt.Errorf("waiting for %q in the text of %q (%s): %w", substring, sel, what, b.ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Location returns the URL of the current document.
func (b *Browser) Location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail(fmt.Errorf("reading the location: %w", err))
	}
	return s
}

// jsString quotes s as a JavaScript string literal. JSON strings are valid
// JavaScript string literals.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}
