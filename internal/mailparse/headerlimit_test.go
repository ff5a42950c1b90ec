package mailparse

import (
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// allocated is the bytes f allocates (runtime.MemStats.TotalAlloc): a
// bound on work that does not depend on the machine's speed.
func allocated(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const hugeHead = "From: Sender <sender@example.com>\r\nTo: t.yamada@example.jp\r\nDate: Tue, 1 Apr 2025 10:00:00 +0900\r\nMessage-ID: <huge@example.com>\r\n"

// hugeWords is n bytes of header text.
func hugeWords(n int) string {
	return strings.Repeat("Invoice overdue payment ", n/24+1)[:n]
}

func hugeHeaderMails(n int) map[string]string {
	words := hugeWords(n)
	var folded strings.Builder
	for i := 0; i < len(words); i += 76 {
		if i > 0 {
			folded.WriteString("\r\n ")
		}
		folded.WriteString(words[i:min(i+76, len(words))])
	}
	var encoded strings.Builder
	chunk := base64.StdEncoding.EncodeToString([]byte("請求書のお知らせ"))
	for encoded.Len() < n {
		encoded.WriteString("=?UTF-8?B?" + chunk + "?= ")
	}
	body := "\r\nPlease see https://evil.example/pay now.\r\n"
	return map[string]string{
		"one line": hugeHead + "Subject: " + words + "\r\n" + body,
		// The folded value is followed by a field that must still be read.
		"folded":        hugeHead + "Subject: " + folded.String() + "\r\nX-Mailer: Lure 1.0\r\n" + body,
		"encoded words": hugeHead + "Subject: " + encoded.String() + "\r\n" + body,
		"part header": hugeHead + "Subject: part\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nPlease see https://evil.example/pay now.\r\n" +
			"--b\r\nContent-Type: application/pdf; name=\"" + words + "\"\r\nContent-Disposition: attachment; filename=invoice.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n",
	}
}

// TestHugeHeaderIsCutBeforeTheWork parses mails carrying one header of
// 8 MB (on one line, folded, in encoded words, in a MIME part) and bounds
// what parsing and sanitising allocate: before the header bounds, a
// header byte cost 16× (45× in a MIME part), so the bound of 4× the mail
// fails on that code; now the header is cut to 64 KiB before enmime,
// decoding and extraction run, and the cut is listed in errors while the
// rest of the mail is read.
func TestHugeHeaderIsCutBeforeTheWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 8 MB mails")
	}
	for name, mail := range hugeHeaderMails(8 << 20) {
		t.Run(name, func(t *testing.T) {
			data := []byte(mail)
			var m *Message
			var err error
			used := allocated(func() {
				if m, err = ParseBytes(data, Options{}); err != nil {
					return
				}
				_, err = Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123"), MemberDomains: []string{"example.jp"}})
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d-byte mail: %d bytes allocated (%.1f×)", len(data), used, float64(used)/float64(len(data)))
			if used > 4*uint64(len(data)) {
				t.Errorf("parse and sanitise allocated %d bytes for a %d-byte mail: over 4×", used, len(data))
			}
			if len(m.Subject) > maxFieldBytes {
				t.Errorf("subject of %d bytes kept", len(m.Subject))
			}
			for _, h := range m.Headers {
				if len(h.Value) > maxFieldBytes {
					t.Errorf("header %s of %d bytes kept", h.Name, len(h.Value))
				}
			}
			if len(m.From) != 1 || m.From[0].Address != "sender@example.com" || m.Date == "" {
				t.Errorf("the rest of the header was not read: from %v, date %q", m.From, m.Date)
			}
			if len(m.URLs) != 1 || m.URLs[0] != "https://evil.example/pay" {
				t.Errorf("the body was not read: urls %v", m.URLs)
			}
			field, where := "Subject", "the mail's"
			switch name {
			case "folded":
				if m.XMailer != "Lure 1.0" {
					t.Errorf("the field after the cut one was lost: x-mailer %q", m.XMailer)
				}
			case "part header":
				field, where = "Content-Type", "a MIME part's"
				if len(m.Attachments) != 1 || m.Attachments[0].Name != "invoice.pdf" || m.Attachments[0].Size != 9 {
					t.Errorf("the attachment was not read: %+v", m.Attachments)
				}
			}
			want := fmt.Sprintf("%s %s header is ", where, field)
			found := false
			for _, e := range m.Errors {
				if strings.HasPrefix(e, want) && strings.HasSuffix(e, fmt.Sprintf("bytes long; only its first %d bytes were read", maxFieldBytes)) {
					found = true
				}
			}
			if !found {
				t.Errorf("errors do not name the cut %q…: %q", want, m.Errors)
			}
		})
	}
}

// TestHeaderFieldCountIsBounded sends 3,000 junk fields before the
// sender and the subject: at most maxFields are kept, the count of the
// rest is listed, and the fields the mail cannot be read without are
// still read (cut to a line).
func TestHeaderFieldCountIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("Received: from a.example (a.example [203.0.113.9]) by mx.example.jp; Tue, 1 Apr 2025 10:00:00 +0900\r\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "X-Filler-%d: %s\r\n", i, strings.Repeat("x", 40))
	}
	b.WriteString("From: Sender <sender@example.com>\r\nSubject: " + hugeWords(5000) + "\r\nTo: t.yamada@example.jp\r\n\r\nbody https://evil.example/x\r\n")
	m, err := ParseBytes([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Headers) > maxFields+len(essentialFields) {
		t.Errorf("%d header fields kept", len(m.Headers))
	}
	if len(m.From) != 1 || m.From[0].Address != "sender@example.com" {
		t.Errorf("from %v", m.From)
	}
	if len(m.Subject) != essentialCut-len("Subject: ") {
		t.Errorf("subject of %d bytes, want it cut to a line", len(m.Subject))
	}
	if len(m.To) != 0 {
		t.Errorf("a field past the count was read: to %v", m.To)
	}
	want := fmt.Sprintf("the mail's header has 3004 fields; 2002 of the fields after the first %d were not read", maxFields)
	if !hasError(m, want) {
		t.Errorf("errors %q lack %q", m.Errors, want)
	}
	if !hasError(m, fmt.Sprintf("the mail's header is over its limits; 2 fields needed to read the mail were kept, cut to %d bytes", essentialCut)) {
		t.Errorf("errors %q do not say the essentials were cut", m.Errors)
	}
	if len(m.Received) != 1 || len(m.URLs) != 1 {
		t.Errorf("received %v urls %v", m.Received, m.URLs)
	}
}

// TestHeaderBytesAreBoundedInAll fills the header budget with fields of
// 60 KB each (every one under the field bound) across the mail and an
// attached mail: fields past the budget are dropped and counted, and the
// attached mail shares the budget.
func TestHeaderBytesAreBoundedInAll(t *testing.T) {
	filler := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "X-Pad-%d: %s\r\n", i, strings.Repeat("p", 60000))
		}
		return b.String()
	}
	inner := "From: inner@evil.example\r\n" + filler(10) + "Subject: inner\r\n\r\ninner body https://inner.example/\r\n"
	mail := hugeHead + filler(10) + "Subject: outer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--b--\r\n"
	m, err := ParseBytes([]byte(mail), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "outer" || len(m.Attached) != 1 || m.Attached[0].Subject != "inner" {
		t.Fatalf("subjects: %q, attached %d", m.Subject, len(m.Attached))
	}
	total := 0
	for _, msg := range []*Message{m, m.Attached[0]} {
		for _, h := range msg.Headers {
			total += len(h.Name) + len(h.Value)
		}
	}
	if total > maxHeaderBytes+64<<10 {
		t.Errorf("%d header bytes kept over the mail and its attached mail", total)
	}
	want := fmt.Sprintf("attached message %q: the mail's headers exceed %d bytes in all; ", "inner.eml", maxHeaderBytes)
	found := false
	for _, e := range m.Errors {
		found = found || strings.HasPrefix(e, want)
	}
	if !found {
		t.Errorf("errors %q do not list the attached mail's dropped fields", m.Errors)
	}
	if !strings.Contains(strings.Join(m.URLs, " "), "https://inner.example/") {
		t.Errorf("the attached mail's body was not read: %v", m.URLs)
	}
}

func hasError(m *Message, want string) bool {
	for _, e := range m.Errors {
		if e == want {
			return true
		}
	}
	return false
}

// TestArchiveEntriesAreBoundedPerMail: each archive lists at most
// MaxZipEntries, and the whole mail at most maxListedEntries; archives
// past that are hashed but not listed, and the errors say so. Before,
// a 25 MB mail of 190 small ZIPs listed 190,000 entries.
func TestArchiveEntriesAreBoundedPerMail(t *testing.T) {
	z := zipWithEntries(t, DefaultMaxZipEntries)
	enc := wrap76(base64.StdEncoding.EncodeToString(z))
	var b strings.Builder
	b.WriteString("From: a@example.com\nSubject: s\nDate: Tue, 1 Apr 2025 10:00:00 +0900\nContent-Type: multipart/mixed; boundary=b\n\n")
	const zips = 8
	for i := range zips {
		fmt.Fprintf(&b, "--b\nContent-Type: application/zip; name=z%d.zip\nContent-Transfer-Encoding: base64\n\n%s", i, enc)
	}
	b.WriteString("--b--\n")
	m, err := ParseBytes([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, a := range m.Attachments {
		listed += len(a.Entries)
		if a.SHA256 == "" {
			t.Errorf("attachment %s not hashed", a.Name)
		}
	}
	if len(m.Attachments) != zips || listed != maxListedEntries {
		t.Fatalf("%d attachments, %d entries listed; want %d, %d", len(m.Attachments), listed, zips, maxListedEntries)
	}
	if !hasError(m, fmt.Sprintf(`attachment "z5.zip" was not listed: the mail's archives already list %d entries`, maxListedEntries)) {
		t.Errorf("errors %q do not name the unlisted archive", m.Errors)
	}
}

// TestPartHeadersAreCutWhateverTheBoundaryForm declares the boundary in
// forms enmime's media type parser reads but a case-sensitive
// "boundary=" on one line did not (upper case, spaces around '=', RFC
// 2231 pieces and charset, folded after '='): the part headers were then
// never seen as headers, a 2 MB part header reached enmime uncut and
// cost 33× the mail. Each form must get the part header cut and listed.
func TestPartHeadersAreCutWhateverTheBoundaryForm(t *testing.T) {
	words := hugeWords(2 << 20)
	for _, param := range []string{"boundary=b", "BOUNDARY=b", "Boundary=\"b\"", "boundary = b", "boundary*0=b", "boundary*=utf-8''b", "boundary=\r\n b", "boundary*0=\"b\"; boundary*1=\"x\""} {
		bnd := "b"
		if strings.Contains(param, "*1") {
			bnd = "bx"
		}
		mail := hugeHead + "Subject: part\r\nContent-Type: multipart/mixed; " + param + "\r\n\r\n--" + bnd + "\r\nContent-Type: text/plain\r\n\r\nPlease see https://evil.example/pay now.\r\n" +
			"--" + bnd + "\r\nContent-Type: application/pdf; name=\"" + words + "\"\r\nContent-Disposition: attachment; filename=invoice.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--" + bnd + "--\r\n"
		var m *Message
		var err error
		used := allocated(func() { m, err = ParseBytes([]byte(mail), Options{}) })
		if err != nil {
			t.Fatal(err)
		}
		if used > 4*uint64(len(mail)) {
			t.Errorf("%q: parse allocated %d bytes for a %d-byte mail: over 4×", param, used, len(mail))
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Name != "invoice.pdf" {
			t.Errorf("%q: attachments %d", param, len(m.Attachments))
		}
		want := fmt.Sprintf("a MIME part's Content-Type header is %d bytes long; only its first %d bytes were read", len("Content-Type: application/pdf; name=\"")+len(words)+1, maxFieldBytes)
		if !hasError(m, want) {
			t.Errorf("%q: errors %q lack %q", param, m.Errors, want)
		}
	}
}

// TestFoldedLineBeforeTheFirstField starts a mail, and an attached mail,
// with a folded line (leading space) before any field and then a 2 MB
// field. readHeaderBlock skips such a line and reads on, but the bounds
// took it for the end of the header and cut nothing: the attached mail
// cost 17× its size. The line is now bounded as an unnamed field, and
// the big field after it is cut and named.
func TestFoldedLineBeforeTheFirstField(t *testing.T) {
	words := hugeWords(2 << 20)
	for name, inner := range map[string]string{
		"field after":  " leading continuation\r\nX-Big: " + words + "\r\nSubject: i\r\n\r\nbody\r\n",
		"line is long": " leading " + words + "\r\nSubject: i\r\n\r\nbody\r\n",
	} {
		field := "X-Big"
		if name == "line is long" {
			field = "unnamed"
		}
		for _, attached := range []bool{false, true} {
			mail, prefix := inner, ""
			if attached {
				mail = hugeHead + "Subject: outer\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--b--\r\n"
				prefix = `attached message "i.eml": `
			}
			var m *Message
			var err error
			used := allocated(func() { m, err = ParseBytes([]byte(mail), Options{}) })
			if err != nil {
				t.Fatal(err)
			}
			if used > 6*uint64(len(mail)) {
				t.Errorf("%s (attached %v): parse allocated %d bytes for a %d-byte mail: over 6×", name, attached, used, len(mail))
			}
			found := false
			for _, e := range m.Errors {
				found = found || strings.HasPrefix(e, prefix+"the mail's "+field+" header is ")
			}
			if !found {
				t.Errorf("%s (attached %v): errors %q do not name the cut", name, attached, m.Errors)
			}
		}
	}
}
