package mailparse

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrNotMail},
		{"text", "hello world\nthis is not a mail\n", ErrNotMail},
		{"binary", "\x00\x01\x02PK\x03\x04", ErrNotMail},
		{"outlook msg", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ErrOutlookMsg},
		{"unknown headers only", "Foo: bar\n\nbody", ErrNotMail},
	} {
		if _, err := Parse(strings.NewReader(c.in), Options{}); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	big := "Subject: x\n\n" + strings.Repeat("a", 2000)
	if _, err := Parse(strings.NewReader(big), Options{MaxSize: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over limit: %v", err)
	}
	if m, err := Parse(strings.NewReader("Subject: only a subject\n"), Options{}); err != nil || m.Subject != "only a subject" {
		t.Errorf("header-only mail: %v %+v", err, m)
	}
}

func TestPartialMailStillYields(t *testing.T) {
	// No Date, no From, a broken multipart: what is there is still found.
	in := "Subject: =?UTF-8?B?5pel5pys?=\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nsee hxxp://evil[.]example/x\n--zz\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n!!!notbase64\n"
	m, err := Parse(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "日本" || len(m.URLs) != 1 || m.URLs[0] != "http://evil.example/x" {
		t.Fatalf("got subject %q urls %v", m.Subject, m.URLs)
	}
	joined := strings.Join(m.Errors, "\n")
	for _, want := range []string{"no Date header", "no From header", "closing boundary is missing"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors lack %q: %v", want, m.Errors)
		}
	}
}

func TestReceivedForms(t *testing.T) {
	for _, c := range []struct{ in, helo, rdns, ip, by string }{
		{"from a.example (b.example [203.0.113.1]) by mx.example.jp (Postfix) with ESMTP id X; Tue, 1 Apr 2025 10:00:00 +0900", "a.example", "b.example", "203.0.113.1", "mx.example.jp"},
		{"from a.example (unknown [203.0.113.2]) by mx.example.jp; Tue, 1 Apr 2025 10:00:00 +0900", "a.example", "", "203.0.113.2", "mx.example.jp"},
		{"from HOST.prod.outlook.com (2603:10a6::1) by X.prod.outlook.com (2603:10a6::2) with Microsoft SMTP Server; Tue, 1 Apr 2025 01:00:00 +0000", "host.prod.outlook.com", "", "2603:10a6::1", "x.prod.outlook.com"},
		{"from [198.51.100.7] (port=1234 helo=PC) by smtp.example.net with esmtpa (Exim 4.96) id 1u; Tue, 1 Apr 2025 01:00:00 +0000", "", "", "198.51.100.7", "smtp.example.net"},
		{"from relay (relay.example [IPv6:2001:db8::9]) by r2.example with ESMTP; Tue, 1 Apr 2025 01:00:00 GMT", "relay", "relay.example", "2001:db8::9", "r2.example"},
		{"by 2002:a05:6a10:1::2 with SMTP id x; Sun, 27 Apr 2025 18:02:02 -0700 (PDT)", "", "", "", "2002:a05:6a10:1::2"},
		{"from mail.example (mail.example [203.0.113.3]:54321) by mx.example; Tue, 1 Apr 2025 01:00:00 +0000", "mail.example", "mail.example", "203.0.113.3", "mx.example"},
		// A HELO given as an address literal is the sender's claim; the
		// connecting address in the comment wins (Postfix, Gmail).
		{"from [10.0.0.1] (unknown [198.51.100.20]) by mx.example.jp (Postfix) with ESMTP; Tue, 1 Apr 2025 10:00:00 +0900", "", "", "198.51.100.20", "mx.example.jp"},
		{"from [192.168.1.10] (p1234.example.ne.jp. [198.51.100.14]) by smtp.gmail.com with ESMTPSA; Tue, 1 Apr 2025 10:00:00 -0700 (PDT)", "", "p1234.example.ne.jp", "198.51.100.14", "smtp.gmail.com"},
	} {
		h, _ := parseReceived(c.in)
		if h.FromHost != c.helo || h.FromRDNS != c.rdns || h.FromIP != c.ip || h.ByHost != c.by {
			t.Errorf("%q:\n got  helo=%q rdns=%q ip=%q by=%q\n want helo=%q rdns=%q ip=%q by=%q", c.in, h.FromHost, h.FromRDNS, h.FromIP, h.ByHost, c.helo, c.rdns, c.ip, c.by)
		}
		if h.Time == "" {
			t.Errorf("%q: no time", c.in)
		}
	}
}

func TestSendingIPsWithoutBoundary(t *testing.T) {
	hops := []Hop{{FromIP: "192.0.2.1"}, {FromIP: "10.0.0.1"}, {FromIP: "8.8.8.8"}, {FromIP: "2001:db8::1"}, {FromIP: "2400:cb00::1"}}
	got := sendingIPs(hops, Boundary{})
	if strings.Join(got, ",") != "8.8.8.8,2400:cb00::1" {
		t.Fatalf("no boundary: %v", got)
	}
	b, err := ParseBoundary("mx.example.jp, 192.0.2.0/25, 198.51.100.9")
	if err != nil || len(b.Hosts) != 1 || len(b.Nets) != 2 {
		t.Fatalf("ParseBoundary: %v %+v", err, b)
	}
	got = sendingIPs([]Hop{{FromIP: "192.0.2.1"}, {FromIP: "192.0.2.200"}, {FromIP: "198.51.100.9"}, {FromIP: "10.0.0.1"}}, b)
	if strings.Join(got, ",") != "192.0.2.200" {
		t.Fatalf("with boundary: %v", got)
	}
	if _, err := ParseBoundary("not a host!"); err == nil {
		t.Fatal("bad boundary accepted")
	}
}

func TestCharsetSniffing(t *testing.T) {
	for _, c := range []struct {
		name, label string
		in          []byte
		want        string
	}{
		{"sjis undeclared", "", []byte(sjisBytes("日本語のテキストです")), "日本語のテキストです"},
		{"euc undeclared", "", []byte(eucBytes("日本語のテキストです")), "日本語のテキストです"},
		{"jis undeclared", "", []byte(jisBytes("日本語のテキストです")), "日本語のテキストです"},
		{"utf8 as latin1", "iso-8859-1", []byte("日本語"), "日本語"},
		{"cp932 label", "windows-31j", []byte(sjisBytes("①髙")), "①髙"},
		{"so/si katakana", "iso-2022-jp", []byte("\x0e123\x0f"), "ｱｲｳ"},
		{"latin1", "iso-8859-1", []byte("caf\xe9"), "café"},
	} {
		got, _, _ := decodeText(c.in, c.label)
		if got != c.want {
			t.Errorf("%s: got %q want %q", c.name, got, c.want)
		}
	}
	if got := decodeHeader("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?= =?UTF-8?Q?=E3=83=86?="); got != "日本語テ" {
		t.Errorf("mixed encoded words: %q", got)
	}
	if got := decodeHeader(sjisBytes("生の件名")); got != "生の件名" {
		t.Errorf("raw Shift_JIS header: %q", got)
	}
}

// zipWithEntries builds an archive of n tiny stored entries.
func zipWithEntries(t testing.TB, n int) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := range n {
		f, err := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%d", i), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte{'x'})
	}
	w.Close()
	return b.Bytes()
}

func TestZipListing(t *testing.T) {
	z := zipWithEntries(t, 30)
	entries, total, err := listZip(z, 10)
	if err != nil || total != 30 || len(entries) != 10 || entries[9].Name != "f9" {
		t.Fatalf("cap: %v %d %d", err, total, len(entries))
	}
	// Data in front (a self-extractor) shifts the offsets.
	entries, _, err = listZip(append([]byte("MZ stub before the archive"), z...), 100)
	if err != nil || len(entries) != 30 {
		t.Fatalf("prefixed: %v %d", err, len(entries))
	}
	if _, _, err := listZip(z[:len(z)/2], 100); err == nil {
		t.Fatal("truncated archive listed without complaint")
	}
	// A bomb: a huge claimed size costs nothing, since nothing is inflated.
	bomb := zipBomb(t)
	entries, _, err = listZip(bomb, 100)
	if err != nil || len(entries) != 1 || entries[0].Size != 10<<30 {
		t.Fatalf("bomb: %v %+v", err, entries)
	}
}

// zipBomb is a ZIP whose one entry claims 10 GiB (in its ZIP64 field).
func zipBomb(t testing.TB) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateHeader(&zip.FileHeader{Name: "bomb.bin", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Repeat([]byte{0}, 1000))
	w.Close()
	z := b.Bytes()
	// Rewrite the central directory's sizes to claim 10 GiB via ZIP64.
	cd := bytes.LastIndex(z, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(z[cd+24:], 0xffffffff)
	extra := binary.LittleEndian.AppendUint16(nil, 1)
	extra = binary.LittleEndian.AppendUint16(extra, 8)
	extra = binary.LittleEndian.AppendUint64(extra, 10<<30)
	nameLen := int(binary.LittleEndian.Uint16(z[cd+28:]))
	oldExtra := int(binary.LittleEndian.Uint16(z[cd+30:]))
	binary.LittleEndian.PutUint16(z[cd+30:], uint16(oldExtra+len(extra)))
	at := cd + 46 + nameLen + oldExtra
	out := append(append(append([]byte{}, z[:at]...), extra...), z[at:]...)
	eocd := bytes.LastIndex(out, []byte("PK\x05\x06"))
	binary.LittleEndian.PutUint32(out[eocd+12:], binary.LittleEndian.Uint32(out[eocd+12:])+uint32(len(extra)))
	return out
}

func TestPartAndDepthCaps(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.com\nSubject: many\nContent-Type: multipart/mixed; boundary=b\n\n")
	for range 50 {
		b.WriteString("--b\nContent-Type: text/plain\n\nx\n")
	}
	b.WriteString("--b--\n")
	m, err := Parse(strings.NewReader(b.String()), Options{MaxParts: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Errors, "\n"), "MIME parts") {
		t.Fatalf("no part-cap error: %v", m.Errors)
	}
	// Deep nesting: each level a multipart in a multipart.
	b.Reset()
	b.WriteString("From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n")
	const depth = 20
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\ndeep http://deep.example.com/\n", depth)
	open := b.String()
	for i := depth; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	m, err = Parse(strings.NewReader(b.String()), Options{MaxDepth: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Errors, "\n"), "nested deeper than 10") {
		t.Fatalf("no depth error: %v", m.Errors)
	}
	// The same left open would cost enmime exponential work: it is not
	// handed over, and the raw text is still read. The work is bounded by
	// what is allocated (about 640 allocations and 35 KB today; enmime's
	// walk allocates at every level it retries), not by the clock.
	m, err = Parse(strings.NewReader(open), Options{MaxDepth: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Errors, "\n"), "never closed") || len(m.URLs) != 1 {
		t.Fatalf("unclosed nesting: %v %v", m.Errors, m.URLs)
	}
	parse := func() { Parse(strings.NewReader(open), Options{MaxDepth: 10}) }
	if allocs, bytes := testing.AllocsPerRun(1, parse), allocated(parse); allocs > 5000 || bytes > 1<<20 {
		t.Fatalf("unclosed nesting of %d bytes: %.0f allocations, %d bytes allocated", len(open), allocs, bytes)
	}
	// Attached messages nest too.
	inner := "From: x@example.com\nSubject: inner\n\nbody\n"
	for i := range 20 {
		inner = fmt.Sprintf("From: x@example.com\nSubject: wrap\nContent-Type: multipart/mixed; boundary=w%d\n\n--w%d\nContent-Type: message/rfc822\n\n%s\n--w%d--\n", i, i, inner, i)
	}
	m, err = Parse(strings.NewReader(inner), Options{MaxDepth: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Errors, "\n"), "nested deeper") {
		t.Fatalf("no attached-depth error: %v", m.Errors)
	}
}

// TestMemoryBound parses a 25 MB mail (one big base64 ZIP with many
// entries, a big text body) and checks the peak heap, sampled while it
// runs, against 10× the mail's size.
func TestMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 25 MB mail")
	}
	z := zipWithEntries(t, 20000)
	payload := make([]byte, 13<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	var b bytes.Buffer
	b.WriteString("From: big@example.com\nTo: t.yamada@example.jp\nSubject: big\nDate: Tue, 1 Apr 2025 10:00:00 +0900\nContent-Type: multipart/mixed; boundary=big\n\n--big\nContent-Type: text/plain; charset=utf-8\n\n")
	line := "本文の行です。 https://example.com/path?q=1 user@example.com 203.0.113.5\n"
	for b.Len() < 3<<20 {
		b.WriteString(line)
	}
	b.WriteString("--big\nContent-Type: application/zip; name=a.zip\nContent-Transfer-Encoding: base64\n\n")
	b.WriteString(wrap76(base64.StdEncoding.EncodeToString(z)))
	b.WriteString("--big\nContent-Type: application/octet-stream; name=b.bin\nContent-Transfer-Encoding: base64\n\n")
	b.WriteString(wrap76(base64.StdEncoding.EncodeToString(payload)))
	b.WriteString("--big--\n")
	data := b.Bytes()
	if len(data) > DefaultMaxSize || len(data) < 20<<20 {
		t.Fatalf("test mail is %d bytes", len(data))
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	m, err := Parse(bytes.NewReader(data), Options{})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 || len(m.Attachments[0].Entries) != DefaultMaxZipEntries {
		t.Fatalf("attachments: %d, entries %d", len(m.Attachments), len(m.Attachments[0].Entries))
	}
	used := peak.Load() - min(base.HeapAlloc, peak.Load())
	t.Logf("mail %.1f MB, peak heap above baseline %.1f MB (%.1f×)", float64(len(data))/1e6, float64(used)/1e6, float64(used)/float64(len(data)))
	if used > 10*uint64(len(data)) {
		t.Fatalf("peak heap %d bytes for a %d-byte mail: over 10×", used, len(data))
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76])
		b.WriteByte('\n')
		s = s[76:]
	}
	b.WriteString(s + "\n")
	return b.String()
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/mails/*.eml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@b.example\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\nFrom: c@d.example\n\n--x--"))
	f.Add([]byte("Subject: =?ISO-2022-JP?B?GyRCJC0bKEI=?=\nContent-Type: application/ms-tnef\n\nx\x9f>\"\x01\x00"))
	// Headers over their bounds (headerlimit.go): a field longer than
	// maxFieldBytes on one line and folded, and in a MIME part.
	long := strings.Repeat("Invoice ", maxFieldBytes/8+10)
	f.Add([]byte("From: a@b.example\nSubject: " + long + "\nTo: t.yamada@example.jp\n\nhttps://evil.example/"))
	f.Add([]byte("From: a@b.example\nSubject: x\n" + strings.ReplaceAll(long, " ", "\n ") + "\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; name=" + long + "\n\nbody\n--x--\n"))
	key := []byte("fuzz-key-0123456789abcdef")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseBytes(data, Options{MaxSize: 1 << 20, Boundary: testBoundary()})
		if err != nil {
			return
		}
		if len(m.Headers) > maxHeaders {
			t.Fatalf("%d header fields kept", len(m.Headers))
		}
		for _, h := range m.Headers {
			// Decoding may grow a value (a half-width kana byte is three
			// in UTF-8), never past that.
			if len(h.Value) > 3*maxFieldBytes {
				t.Fatalf("header %s of %d bytes kept", h.Name, len(h.Value))
			}
		}
		if m.From == nil || m.URLs == nil || m.Errors == nil || m.Attachments == nil {
			t.Fatal("nil list after Parse")
		}
		s, err := Sanitize(m, SanitizeOptions{Key: key, Boundary: testBoundary(), MemberDomains: []string{"example.jp"}})
		if err != nil {
			t.Fatal(err)
		}
		if s.Message.To != nil || s.Message.Cc != nil {
			t.Fatal("sanitised message keeps recipients")
		}
		for _, a := range append(m.To, m.Cc...) {
			la := strings.ToLower(a.Address)
			if len(la) > 6 && validAddressForTest(la) && containsWholeAddress(strings.ToLower(mustJSON(t, s.Message)), la) {
				t.Fatalf("recipient %q survives sanitising", a.Address)
			}
		}
	})
}

// TestHostileInputsStayFast feeds the scanners and the sanitiser the
// repetitive inputs that make naive code quadratic. Each is read at a
// quarter megabyte and at a megabyte: what is allocated must grow like
// the input (four times, not sixteen) and stay within 128 bytes per
// input byte. No time is asserted (a busy machine stretches any clock);
// a quadratic scan that allocates nothing is the fuzz targets' and the
// benchmarks' to find (bench/mailparse.go).
func TestHostileInputsStayFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds megabyte inputs")
	}
	bodies := map[string]func(n int) string{
		"encoded-word starts": func(n int) string { return "=?a?B?" + strings.Repeat("=?x?B?QUJD", n/10) },
		"defang markers":      func(n int) string { return strings.Repeat("a[.]", n/4) },
		"colons":              func(n int) string { return strings.Repeat(":", n) },
		"digits and dots":     func(n int) string { return strings.Repeat("1.", n/2) },
		"at signs":            func(n int) string { return strings.Repeat("a@", n/2) },
		"schemes":             func(n int) string { return strings.Repeat("http://", n/7) },
		"recipient names":     func(n int) string { return strings.Repeat("山田 ", n/7) },
		"brackets":            func(n int) string { return strings.Repeat("[(", n/2) },
		"unicode after ://":   func(n int) string { return strings.Repeat("://"+strings.Repeat("あ", 83)+" ", n/253) },
		"unicode hosts": func(n int) string {
			return strings.Repeat("://"+strings.Repeat("あ", 40)+"."+strings.Repeat("い", 40)+" ", n/245)
		},
		"phone digits":  func(n int) string { return strings.Repeat("0-", n/2) },
		"phone numbers": func(n int) string { return strings.Repeat("03-1234-567 ", n/12) },
	}
	// Fifty numbers of the member's, the most its page takes.
	var phones []string
	for i := range 50 {
		phones = append(phones, fmt.Sprintf("03-1234-%04d", i))
	}
	read := func(name string, n int) (bytes uint64, size int) {
		body := bodies[name](n)
		mail := "From: a@example.com\nTo: 山田 太郎 <t.yamada@example.jp>\nSubject: " + body[:min(len(body), n/5)] + "\nDate: Tue, 1 Apr 2025 10:00:00 +0900\n\n" + body
		bytes = allocated(func() {
			m, err := ParseBytes([]byte(mail), Options{})
			if err != nil {
				t.Fatal(name, err)
			}
			if _, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123"), Phones: phones}); err != nil {
				t.Fatal(name, err)
			}
		})
		return bytes, len(mail)
	}
	for name := range bodies {
		small, _ := read(name, 1<<18)
		big, size := read(name, 1<<20)
		t.Logf("%s: %d bytes allocated for %d (%.1f per byte; %.1f× a quarter's)", name, big, size, float64(big)/float64(size), float64(big)/float64(small))
		if big > 6*small || big > 128*uint64(size) {
			t.Errorf("%s: %d bytes allocated for %d bytes of mail, %d for a quarter of it", name, big, size, small)
		}
	}
}
