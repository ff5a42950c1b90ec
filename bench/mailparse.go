package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"mamori/internal/mailparse"
)

// Targets from the sharing-hub issue: parse + extract + sanitise at least
// 200 mails a second on one core, at an average of 40 KB a mail.
const (
	targetMailsPerSec = 200.0
	mailCorpusSize    = 1000
	mailCorpusSeed    = 1
)

// mailparseResult is the mailparse scenario. It runs in this process and
// needs no server.
type mailparseResult struct {
	Mails       int      `json:"mails"`
	AvgKB       float64  `json:"avg_kb"`
	TotalMB     float64  `json:"total_mb"`
	Passes      int      `json:"passes"`
	WallSec     float64  `json:"wall_sec"`
	CPUSec      float64  `json:"cpu_sec"`
	MailsPerSec float64  `json:"mails_per_sec"`
	MBPerSec    float64  `json:"mb_per_sec"`
	PeakHeapMB  float64  `json:"peak_heap_mb"`
	CorpusMB    float64  `json:"corpus_heap_mb"`
	WithErrors  int      `json:"mails_with_errors"`
	URLs        int      `json:"urls_found"`
	Attachments int      `json:"attachments_found"`
	Redactions  int      `json:"redactions"`
	Failed      int      `json:"failed"`
	Targets     []target `json:"targets"`
}

// mailparseFirst runs the mailparse scenario when it was asked for,
// before and apart from the engines, since it starts no server. done
// says nothing else was asked for.
func mailparseFirst(o *options) (code int, done bool) {
	if !o.has("mailparse") {
		return 0, false
	}
	res, err := runMailparse(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: mailparse:", err)
		return 1, true
	}
	if root, err := moduleRoot(); err == nil {
		out := filepath.Join(filepath.Dir(o.out), "mailparse.json")
		if !filepath.IsAbs(out) {
			out = filepath.Join(root, out)
		}
		if err := writeJSON(out, res); err == nil {
			fmt.Printf("JSON summary: %s\n", out)
		}
	}
	delete(o.scenarios, "mailparse")
	return 0, len(o.scenarios) == 0
}

func runMailparse(w io.Writer) (*mailparseResult, error) {
	fmt.Fprintf(w, "\n== mailparse (in process, no server) ==\n")
	mails := genMails(mailCorpusSize, mailCorpusSeed)
	total := 0
	for _, m := range mails {
		total += len(m)
	}
	res := &mailparseResult{Mails: len(mails), AvgKB: float64(total) / float64(len(mails)) / 1000, TotalMB: float64(total) / 1e6}
	boundary := mailparse.Boundary{Hosts: []string{"example.jp"}, Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	popts := mailparse.Options{Boundary: boundary}
	sopts := mailparse.SanitizeOptions{Key: []byte("bench-pseudonym-key-0123456789"), Boundary: boundary, MemberDomains: []string{"example.jp"}}
	one := func(m []byte) bool {
		msg, err := mailparse.ParseBytes(m, popts)
		if err != nil {
			return false
		}
		if len(msg.Errors) > 0 {
			res.WithErrors++
		}
		s, err := mailparse.Sanitize(msg, sopts)
		if err != nil {
			return false
		}
		if res.Passes == 0 {
			res.URLs += len(msg.URLs)
			res.Attachments += len(msg.Attachments)
			res.Redactions += len(s.Redactions)
		}
		return true
	}

	// One core: the measurement runs with GOMAXPROCS 1, after a warm-up.
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	for _, m := range mails[:100] {
		one(m)
	}
	res.WithErrors, res.URLs, res.Attachments, res.Redactions = 0, 0, 0, 0
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.CorpusMB = float64(ms.HeapAlloc) / 1e6
	peak := ms.HeapAlloc
	cpu0, t0 := selfCPU(), time.Now()
	// At least two passes and two seconds, so that a fast run is still
	// measured over enough work.
	for res.Passes < 2 || time.Since(t0) < 2*time.Second {
		for i, m := range mails {
			if !one(m) {
				res.Failed++
			}
			if i%50 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		res.Passes++
	}
	wall, cpu := time.Since(t0), selfCPU()-cpu0
	res.WithErrors /= res.Passes
	res.Failed /= res.Passes
	res.WallSec, res.CPUSec = wall.Seconds(), cpu.Seconds()
	n := float64(len(mails) * res.Passes)
	res.MailsPerSec = n / wall.Seconds()
	res.MBPerSec = float64(total*res.Passes) / 1e6 / wall.Seconds()
	res.PeakHeapMB = float64(peak) / 1e6
	res.Targets = []target{
		{Name: "mail parse+sanitise, one core", Value: fmt.Sprintf("%.0f mails/s", res.MailsPerSec), Target: fmt.Sprintf("≥ %.0f", targetMailsPerSec), Pass: res.MailsPerSec >= targetMailsPerSec},
		{Name: "mail corpus average size", Value: fmt.Sprintf("%.1f KB", res.AvgKB), Target: "≈ 40 KB", Pass: res.AvgKB >= 30 && res.AvgKB <= 50},
		{Name: "mail throughput", Value: fmt.Sprintf("%.1f MB/s", res.MBPerSec), Target: "(reported)"},
		{Name: "mail peak heap", Value: fmt.Sprintf("%.1f MB", res.PeakHeapMB), Target: "(reported)"},
	}
	printMailparse(w, res)
	return res, nil
}

func printMailparse(w io.Writer, r *mailparseResult) {
	fmt.Fprintf(w, "corpus: %d generated mails (seed %d), %.1f KB average, %.1f MB in all; ISO-2022-JP, UTF-8, Shift_JIS, EUC-JP bodies, text+HTML, 0–3 attachments\n",
		r.Mails, mailCorpusSeed, r.AvgKB, r.TotalMB)
	fmt.Fprintf(w, "parse + extract + sanitise, GOMAXPROCS 1, %d passes: %.2f s wall, %.2f s CPU → %.0f mails/s, %.1f MB/s\n",
		r.Passes, r.WallSec, r.CPUSec, r.MailsPerSec, r.MBPerSec)
	fmt.Fprintf(w, "found %d URLs and %d attachments, made %d redactions; %d mails with parse notes, %d refused\n",
		r.URLs, r.Attachments, r.Redactions, r.WithErrors, r.Failed)
	fmt.Fprintf(w, "heap: %.1f MB with the corpus loaded, peak %.1f MB while parsing\n", r.CorpusMB, r.PeakHeapMB)
	fmt.Fprintln(w, "\ntargets:")
	for _, t := range r.Targets {
		verdict := "MISS"
		switch {
		case t.Target == "(reported)":
			verdict = ""
		case t.Pass:
			verdict = "PASS"
		}
		fmt.Fprintf(w, "  %-34s %12s   target %-10s %s\n", t.Name, t.Value, t.Target, verdict)
	}
}
