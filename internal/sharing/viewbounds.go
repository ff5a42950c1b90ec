package sharing

import (
	"strings"
	"unicode/utf8"

	"mamori/internal/mailparse"
)

// Display bounds. A reported mail is written by the attacker, and the
// parser keeps what it can read of it — up to 64 KiB a header field,
// 2,000 links, 1,000 archive entries an archive — which is right for the
// record and wrong for a page: one mail with a 24 MB subject made the
// review page 48 MB of HTML. Pages show each value up to maxShownValue
// characters (the start and the end, so a file name keeps its
// extension) and each list up to maxShownItems, and say what they left
// out; the whole is in the raw mail the coordinators download (audited).
// With these, one mail shows at most about 150 KB of text.
const (
	maxShownValue     = 300
	maxShownSubject   = 1000
	maxShownItems     = 50
	maxShownEntries   = 200 // archive entries over all the mail's attachments
	maxShownErrors    = 50
	maxShownRedaction = 200 // rows of the redaction table per mail
	maxShownShared    = 20  // indicators shown per related report on the review page
	// maxHeadline is what lists show of a report's summary (up to 4,000
	// characters written by the member): its first line, this long.
	maxHeadline = 200
	// clipTail is how much of a value's end a shortened value keeps.
	clipTail = 60
)

// ListCut says a page shows Shown of a list's Total items; Key names
// the list in the catalogs (sharing.list.<key>).
type ListCut struct {
	Key          string
	Shown, Total int
}

// AttachmentView is an attachment as pages show it: the name shortened,
// the warnings read from the whole name (a bidi control or a second
// extension may sit in the part left out), entries bounded.
type AttachmentView struct {
	mailparse.Attachment
	Warnings []string
	Entries  []AttachmentView
}

// clipper shortens values and counts what it shortened.
type clipper struct{ clipped int }

// clip keeps s whole up to n characters; a longer s keeps its start and
// its last clipTail characters around "…".
func (c *clipper) clip(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	c.clipped++
	head, i := 0, 0
	for k := range s {
		if i == n-clipTail {
			head = k
			break
		}
		i++
	}
	tail, j := len(s), 0
	for tail > 0 && j < clipTail {
		_, size := utf8.DecodeLastRuneInString(s[:tail])
		tail -= size
		j++
	}
	return s[:head] + " … " + s[tail:]
}

// take bounds a list for display and records the cut.
func take[T any](cuts *[]ListCut, key string, list []T, n int) []T {
	if len(list) <= n {
		return list
	}
	*cuts = append(*cuts, ListCut{Key: key, Shown: n, Total: len(list)})
	return list[:n]
}

// boundedView is viewOf's work: a copy of m with every value and list
// the pages show bounded, the cuts listed.
func boundedView(m *mailparse.Message) MailView {
	var c clipper
	v := MailView{}
	cp := *m
	cp.Subject = c.clip(m.Subject, maxShownSubject)
	cp.ReturnPath = c.clip(m.ReturnPath, maxShownValue)
	cp.XMailer = c.clip(m.XMailer, maxShownValue)
	cp.Date = c.clip(m.Date, maxShownValue)
	addrs := func(key string, list []mailparse.Address) []mailparse.Address {
		list = take(&v.Cuts, key, list, maxShownItems)
		out := make([]mailparse.Address, len(list))
		for i, a := range list {
			out[i] = mailparse.Address{Name: c.clip(a.Name, maxShownValue), Address: c.clip(a.Address, maxShownValue)}
		}
		return out
	}
	strs := func(key string, list []string, n int) []string {
		list = take(&v.Cuts, key, list, n)
		out := make([]string, len(list))
		for i, s := range list {
			out[i] = c.clip(s, maxShownValue)
		}
		return out
	}
	cp.From = addrs("from", m.From)
	cp.ReplyTo = addrs("reply_to", m.ReplyTo)
	cp.To = addrs("to", m.To)
	cp.Cc = addrs("cc", m.Cc)
	cp.Recipients = strs("recipients", m.Recipients, maxShownItems)
	cp.SendingIPs = strs("sending_ips", m.SendingIPs, maxShownItems)
	cp.Errors = strs("errors", m.Errors, maxShownErrors)
	hops := take(&v.Cuts, "received", m.Received, maxShownItems)
	cp.Received = make([]mailparse.Hop, len(hops))
	for i, h := range hops {
		cp.Received[i] = mailparse.Hop{FromHost: c.clip(h.FromHost, maxShownValue), FromIP: c.clip(h.FromIP, maxShownValue),
			ByHost: c.clip(h.ByHost, maxShownValue), Time: c.clip(h.Time, maxShownValue)}
	}
	urls := take(&v.Cuts, "urls", m.URLs, maxShownItems)
	for _, u := range urls {
		v.Links = append(v.Links, c.clip(mailparse.Defang(u), maxShownValue))
	}
	entries, total := maxShownEntries, 0
	var attach func(as []mailparse.Attachment, top bool) []AttachmentView
	attach = func(as []mailparse.Attachment, top bool) []AttachmentView {
		if top {
			as = take(&v.Cuts, "attachments", as, maxShownItems)
		}
		var out []AttachmentView
		for _, a := range as {
			if !top {
				total++
				if entries == 0 {
					continue
				}
				entries--
			}
			av := AttachmentView{Attachment: a, Warnings: a.Warnings()}
			av.Name = c.clip(a.Name, maxShownValue)
			av.ContentType = c.clip(a.ContentType, maxShownValue)
			av.Attachment.Entries = nil
			av.Entries = attach(a.Entries, false)
			out = append(out, av)
		}
		return out
	}
	v.Attachments = attach(m.Attachments, true)
	if shown := maxShownEntries - entries; total > shown {
		v.Cuts = append(v.Cuts, ListCut{Key: "entries", Shown: shown, Total: total})
	}
	v.Message = &cp
	v.Clipped = c.clipped
	return v
}

// boundRedactions bounds the editor's redaction table: rows per mail
// and the length of each original and replacement. It returns the cuts
// per mail (nil when nothing was cut) and the number of values
// shortened.
func boundRedactions(reds [][]Redaction) ([][]Redaction, []*ListCut, int) {
	var c clipper
	out := make([][]Redaction, len(reds))
	cuts := make([]*ListCut, len(reds))
	for i, rs := range reds {
		if len(rs) > maxShownRedaction {
			cuts[i] = &ListCut{Key: "redactions", Shown: maxShownRedaction, Total: len(rs)}
			rs = rs[:maxShownRedaction]
		}
		out[i] = make([]Redaction, len(rs))
		for j, r := range rs {
			r.Before, r.After, r.Field = c.clip(r.Before, maxShownValue), c.clip(r.After, maxShownValue), c.clip(r.Field, maxShownValue)
			r.Shared = c.clip(r.Shared, maxShownValue)
			out[i][j] = r
		}
	}
	return out, cuts, c.clipped
}

// Headline is the report's summary as lists show it: the first line, at
// most maxHeadline characters. The report's page shows it whole.
func (r *Report) Headline() string { return headline(r.Summary) }

func headline(summary string) string {
	first, _, more := strings.Cut(strings.TrimSpace(summary), "\n")
	var c clipper
	s := c.clip(strings.TrimSpace(first), maxHeadline)
	if more && c.clipped == 0 {
		s += " …"
	}
	return s
}
