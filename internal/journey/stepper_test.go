package journey_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mamori/internal/apptest"
	"mamori/internal/browsertest"
	"mamori/internal/db/dbtest"
)

// stepperState is what a keyboard or screen-reader user has in front of
// them on the one-question-at-a-time diagnosis: which question shows,
// where focus is and whether it can be seen, and what the position says.
type stepperState struct {
	Shown         []string `json:"shown"`
	ActiveTag     string   `json:"activeTag"`
	ActiveName    string   `json:"activeName"`
	ActiveItem    string   `json:"activeItem"`
	ActiveVisible bool     `json:"activeVisible"`
	First         string   `json:"first"`
	Count         string   `json:"count"`
	Status        string   `json:"status"`
	Prev          string   `json:"prev"`
	Next          string   `json:"next"`
	NextVisible   bool     `json:"nextVisible"`
}

const stepperProbe = `(() => {
	const a = document.activeElement;
	const first = document.querySelector('fieldset.item input:checked');
	const text = (sel) => { const e = document.querySelector(sel); return e ? e.textContent.trim() : ""; };
	const label = (sel) => { const e = document.querySelector(sel); return e ? (e.getAttribute("aria-label") || "") : ""; };
	const next = document.querySelector("#step-next");
	return {
		shown: Array.from(document.querySelectorAll("fieldset.item")).filter((f) => f.checkVisibility()).map((f) => f.id),
		activeTag: a ? a.tagName.toLowerCase() : "",
		activeName: a && a.name ? a.name : "",
		activeItem: a && a.closest("fieldset.item") ? a.closest("fieldset.item").id : "",
		activeVisible: !!a && a !== document.body && a.checkVisibility(),
		first: first ? first.value : "",
		count: text("#step-count"),
		status: text("#step-status"),
		prev: label("#step-prev"),
		next: label("#step-next"),
		nextVisible: !!next && next.checkVisibility(),
	};
})()`

// TestBrowserStepperKeyboard drives the diagnosis on a phone-sized screen
// (390 px, one question at a time) with the keyboard only, as a
// keyboard or screen-reader user does: arrow keys inside a question's
// radio group change the answer and must leave the user on that question
// with focus on a radio they can see; the → button moves on and puts focus
// inside the next question; the buttons have names in the page's
// language; a pointer's choice still moves on by itself; sending with
// questions open shows the first of them. Part 2 (questions 6 to 18) is
// long enough to leave two open and still click through the rest.
func TestBrowserStepperKeyboard(t *testing.T) {
	t.Parallel()
	words := map[string]map[string]string{
		"ja": {"prev": "前の質問", "next": "次の質問", "pos1": "13 問中 1 問目", "pos2": "13 問中 2 問目"},
		"en": {"prev": "Previous question", "next": "Next question", "pos1": "Question 1 of 13", "pos2": "Question 2 of 13"},
	}
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			w := words[lang]
			e := apptest.Start(t, dbtest.SQLite(t))
			b := browsers.New(t, browsertest.WithLang(lang), browsertest.WithViewport(390, 844))
			state := func() stepperState {
				t.Helper()
				s, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[stepperState](stepperProbe))
				if err != nil {
					t.Fatalf("reading the stepper: %v", err)
				}
				return s
			}
			onItem := func(step string, s stepperState, item string) {
				t.Helper()
				if len(s.Shown) != 1 || s.Shown[0] != item {
					t.Fatalf("%s: questions shown %v, want only %s (state %+v)", step, s.Shown, item, s)
				}
				if s.ActiveItem != item || !s.ActiveVisible {
					t.Fatalf("%s: focus on <%s name=%q> in %q (visible %v), want something visible in %s", step, s.ActiveTag, s.ActiveName, s.ActiveItem, s.ActiveVisible, item)
				}
			}

			b.Run(chromedp.Navigate(e.URL + "/selfcheck/part/2"))
			b.Run(chromedp.WaitVisible(chromedp.CSS("#item-6")))

			s := state()
			if len(s.Shown) != 1 || s.Shown[0] != "item-6" || s.Count != "1 / 13" {
				t.Fatalf("narrow screen does not show one question at a time: %+v", s)
			}
			if s.Prev != w["prev"] || s.Next != w["next"] {
				t.Fatalf("button names ← %q → %q, want %q and %q", s.Prev, s.Next, w["prev"], w["next"])
			}

			// Tab from the top of the page into the first question's radios.
			for i := 0; s.ActiveName != "q6"; i++ {
				if i == 60 {
					t.Fatalf("60 Tabs never reached the first question: focus on <%s name=%q>", s.ActiveTag, s.ActiveName)
				}
				b.Run(chromedp.KeyEvent(kb.Tab))
				s = state()
			}

			// Arrow keys change the answer and nothing else.
			answers := map[string]bool{}
			for _, key := range []string{kb.ArrowDown, kb.ArrowRight} {
				b.Run(chromedp.KeyEvent(key))
				s = state()
				onItem("after an arrow key", s, "item-6")
				if s.ActiveName != "q6" || s.ActiveTag != "input" {
					t.Fatalf("after an arrow key focus on <%s name=%q>, want a q6 radio", s.ActiveTag, s.ActiveName)
				}
				if s.First == "" || answers[s.First] {
					t.Fatalf("arrow key did not change the checked radio: %q after %v", s.First, answers)
				}
				answers[s.First] = true
				if s.Count != "1 / 13" {
					t.Fatalf("position %q after an arrow key, want 1 / 13", s.Count)
				}
			}

			// Tab on to the → button and press Enter on it.
			for i := 0; !isActive(t, b, "#step-next"); i++ {
				if i == 10 {
					t.Fatalf("10 Tabs never reached the → button: focus on <%s name=%q>", s.ActiveTag, s.ActiveName)
				}
				b.Run(chromedp.KeyEvent(kb.Tab))
				s = state()
			}
			b.Run(chromedp.KeyEvent(kb.Enter))
			s = state()
			onItem("after → by Enter", s, "item-7")
			if s.Count != "2 / 13" || s.Status != w["pos2"] {
				t.Fatalf("after → position %q, announced %q; want 2 / 13 and %q", s.Count, s.Status, w["pos2"])
			}

			// ← by Enter goes back, focus again inside the question shown.
			b.Run(chromedp.Focus(chromedp.CSS("#step-prev")), chromedp.KeyEvent(kb.Enter))
			s = state()
			onItem("after ← by Enter", s, "item-6")
			if s.Status != w["pos1"] {
				t.Fatalf("after ← announced %q, want %q", s.Status, w["pos1"])
			}

			// Question 7 stays open: → moves on without an answer.
			b.Run(chromedp.Click(chromedp.CSS("#step-next")))
			onItem("after clicking →", state(), "item-7")
			b.Run(chromedp.Click(chromedp.CSS("#step-next")))
			onItem("after clicking → again", state(), "item-8")

			// A pointer's choice moves on, on the radio or on its label.
			b.Run(chromedp.Click(chromedp.CSS(`input[name="q8"][value="partial"]`)))
			s = state()
			onItem("after clicking a radio", s, "item-9")
			if s.Count != "4 / 13" {
				t.Fatalf("position %q after clicking a radio, want 4 / 13", s.Count)
			}
			b.Run(chromedp.Click(chromedp.CSS(`#item-9 label.choice:first-child`)))
			onItem("after clicking a label", state(), "item-10")

			// Question 10 stays open too; the rest are clicked through.
			b.Run(chromedp.Click(chromedp.CSS("#step-next")))
			for n := 11; n <= 17; n++ {
				b.Run(chromedp.Click(chromedp.CSS(`input[name="q` + strconv.Itoa(n) + `"][value="implemented"]`)))
				onItem("after clicking through", state(), "item-"+strconv.Itoa(n+1))
			}
			if state().NextVisible {
				t.Fatalf("→ still shows on the last question")
			}
			b.Run(chromedp.Click(chromedp.CSS(`input[name="q18"][value="implemented"]`)))
			onItem("after answering the last question", state(), "item-18")

			// Sending shows the first open question (7, not 10) with focus
			// on it, not on a hidden radio.
			b.Run(chromedp.Focus(chromedp.CSS("#part-submit")), chromedp.KeyEvent(kb.Enter))
			s = state()
			if len(s.Shown) != 1 || s.Shown[0] != "item-7" || s.ActiveItem != "item-7" || !s.ActiveVisible {
				t.Fatalf("sending with questions 7 and 10 open: shown %v, focus on <%s name=%q> in %q (visible %v)", s.Shown, s.ActiveTag, s.ActiveName, s.ActiveItem, s.ActiveVisible)
			}
			if errs := b.ConsoleErrors(); len(errs) > 0 {
				t.Fatalf("console errors: %v", errs)
			}
		})
	}
}

// isActive reports whether the element sel has focus.
func isActive(t *testing.T, b *browsertest.Browser, sel string) bool {
	t.Helper()
	ok, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](`document.activeElement === document.querySelector(`+"`"+sel+"`"+`)`))
	if err != nil {
		t.Fatalf("reading focus: %v", err)
	}
	return ok
}
