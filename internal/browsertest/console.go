package browsertest

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The errors a page reports (uncaught exceptions, console.error and the
// browser's error log), collected from the tab's events.

// ConsoleErrors returns the errors that the tab reported so far: uncaught
// exceptions and unhandled rejections, console.error and failed
// console.assert calls, and browser log entries of level error. The last
// group includes Content-Security-Policy violations and failed resource
// loads, so a test can assert that a page runs without JS errors and without
// CSP violations. Each message has Type chromedp.ConsoleException or
// chromedp.ConsoleError; Source is set for browser log entries (for example
// "security" or "network").
//
// Messages arrive asynchronously. Those that the page produced before the
// last completed action are normally here; poll for ones that a timer or a
// late request produces.
func (b *Browser) ConsoleErrors() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.errs...)
}

// listen records error events. chromedp calls it on the goroutine that reads
// the browser's messages, so it must be quick and must not call chromedp.
func (b *Browser) listen(ev any) {
	var m chromedp.ConsoleMessage
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return
		}
		m = chromedp.ConsoleMessage{
			Type: chromedp.ConsoleException, Text: d.Text,
			URL: d.URL, Line: d.LineNumber, Column: d.ColumnNumber,
			Stack: d.StackTrace, Exception: d,
		}
		if d.Exception != nil {
			// d.Text is just "Uncaught"; the description holds the error
			// and its stack, of which we keep the first line.
			desc, _, _ := strings.Cut(remoteString(d.Exception), "\n")
			m.Text = strings.TrimSpace(d.Text + " " + desc)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			parts = append(parts, remoteString(a))
		}
		m = chromedp.ConsoleMessage{
			Type: chromedp.ConsoleError, Text: strings.Join(parts, " "),
			Args: ev.Args, Stack: ev.StackTrace,
		}
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			f := st.CallFrames[0]
			m.URL, m.Line, m.Column = f.URL, f.LineNumber, f.ColumnNumber
		}
	case *log.EventEntryAdded:
		// Chromium reports CSP violations and failed loads here, not
		// through the Runtime domain.
		e := ev.Entry
		if e == nil || e.Level != log.EntryLevelError || isImplicitFavicon(e) {
			return
		}
		m = chromedp.ConsoleMessage{
			Type: chromedp.ConsoleError, Text: e.Text, URL: e.URL, Line: e.LineNumber,
			Stack: e.StackTrace, Source: string(e.Source),
		}
	default:
		return
	}
	b.mu.Lock()
	b.errs = append(b.errs, m)
	b.mu.Unlock()
}

// isImplicitFavicon reports whether e is the failed load of /favicon.ico,
// which Chromium requests on its own for every page. Its 404 is not an error
// of the page under test, and reporting it would make every "no console
// errors" assertion fail on servers without a favicon.
func isImplicitFavicon(e *log.Entry) bool {
	if e.Source != log.EntrySourceNetwork {
		return false
	}
	u, err := url.Parse(e.URL)
	return err == nil && u.Path == "/favicon.ico"
}

// remoteString renders a console argument or exception roughly as DevTools
// does: strings as they are, other values by their description.
func remoteString(o *runtime.RemoteObject) string {
	if o == nil {
		return "null"
	}
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if err := json.Unmarshal(o.Value, &s); err == nil {
			return s
		}
	}
	switch {
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	case o.Description != "":
		return o.Description
	case len(o.Value) > 0:
		return string(o.Value)
	}
	return string(o.Type)
}
