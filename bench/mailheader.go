package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"mamori/internal/mailparse"
)

// mailheaderCase is one hostile mail of the mailheader scenario: a
// header (or a MIME part's header) far longer than any mail server
// passes on, which cost 16× its size before issue 11 bounded headers.
type mailheaderCase struct {
	Name       string  `json:"name"`
	MailMB     float64 `json:"mail_mb"`
	ParseSec   float64 `json:"parse_sec"`
	ParseAlloc float64 `json:"parse_alloc_mb"` // TotalAlloc during the parse
	ParsePeak  float64 `json:"parse_peak_mb"`  // sampled heap peak above the baseline
	SanSec     float64 `json:"sanitise_sec"`
	SanAlloc   float64 `json:"sanitise_alloc_mb"`
	SubjectLen int     `json:"subject_bytes"`
	Errors     int     `json:"errors"`
}

// mailheaderFirst runs the mailheader scenario when it was asked for,
// like mailparseFirst: in this process, with no server.
func mailheaderFirst(o *options) (code int, done bool) {
	if !o.has("mailheader") {
		return 0, false
	}
	runMailheader(os.Stdout)
	delete(o.scenarios, "mailheader")
	return 0, len(o.scenarios) == 0
}

// hugeHeaderMails are the cases: the probe's 24 MB Subject on one line,
// the same folded into 78-column lines, and a MIME part whose
// Content-Type header carries 24 MB, which enmime reads itself.
func hugeHeaderMails() map[string][]byte {
	const size = 24 << 20
	words := strings.Repeat("Invoice overdue payment ", size/24)
	head := "From: Sender <sender@example.com>\r\nTo: t.yamada@example.jp\r\nDate: Tue, 1 Apr 2025 10:00:00 +0900\r\nMessage-ID: <huge@example.com>\r\n"
	body := "\r\nPlease see https://evil.example/pay now.\r\n"
	var folded strings.Builder
	folded.WriteString("Subject: ")
	for i := 0; i < len(words); i += 76 {
		folded.WriteString(words[i:min(i+76, len(words))])
		folded.WriteString("\r\n ")
	}
	part := head + "Subject: part\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; name=\"" + words + "\"\r\n\r\nhello https://evil.example/x\r\n--b--\r\n"
	return map[string][]byte{
		"1 Subject line of 24 MB":     []byte(head + "Subject: " + words + "\r\n" + body),
		"Subject of 24 MB, folded":    []byte(head + folded.String() + "\r\n" + body),
		"MIME part header of 24 MB":   []byte(part),
		"24,000 headers of 1 KB each": []byte(head + strings.Repeat("X-Filler: "+strings.Repeat("a", 1000)+"\r\n", 24000) + "Subject: s\r\n" + body),
	}
}

// measure runs f once and reports its wall time, the bytes it allocated
// and the heap's sampled peak above the baseline before it.
func measure(f func()) (time.Duration, uint64, uint64) {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
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
	t0 := time.Now()
	f()
	d := time.Since(t0)
	close(done)
	<-sampled
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - base.TotalAlloc, peak.Load() - min(base.HeapAlloc, peak.Load())
}

func runMailheader(w io.Writer) []mailheaderCase {
	fmt.Fprintf(w, "\n== mailheader (in process, no server): mails with huge headers ==\n")
	mails := hugeHeaderMails()
	names := []string{"1 Subject line of 24 MB", "Subject of 24 MB, folded", "MIME part header of 24 MB", "24,000 headers of 1 KB each"}
	var out []mailheaderCase
	for _, name := range names {
		data := mails[name]
		c := mailheaderCase{Name: name, MailMB: float64(len(data)) / 1e6}
		var m *mailparse.Message
		var err error
		d, alloc, peak := measure(func() { m, err = mailparse.ParseBytes(data, mailparse.Options{}) })
		if err != nil {
			fmt.Fprintf(w, "%-28s refused: %v\n", name, err)
			continue
		}
		c.ParseSec, c.ParseAlloc, c.ParsePeak = d.Seconds(), float64(alloc)/1e6, float64(peak)/1e6
		c.SubjectLen, c.Errors = len(m.Subject), len(m.Errors)
		d, alloc, _ = measure(func() {
			_, err = mailparse.Sanitize(m, mailparse.SanitizeOptions{Key: []byte("bench-pseudonym-key-0123456789"), MemberDomains: []string{"example.jp"}})
		})
		c.SanSec, c.SanAlloc = d.Seconds(), float64(alloc)/1e6
		fmt.Fprintf(w, "%-28s %5.1f MB: parse %6.2f s, allocated %7.1f MB, peak heap +%6.1f MB; sanitise %6.2f s, allocated %7.1f MB; subject %d B, %d errors\n",
			name, c.MailMB, c.ParseSec, c.ParseAlloc, c.ParsePeak, c.SanSec, c.SanAlloc, c.SubjectLen, c.Errors)
		for _, e := range m.Errors {
			if strings.Contains(e, "header") {
				fmt.Fprintf(w, "%28s   errors: %s\n", "", e)
			}
		}
		out = append(out, c)
		m = nil
	}
	return out
}
