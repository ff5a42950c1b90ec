package sharing

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/incident"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
	"mamori/internal/org"
	"mamori/internal/sharing/correlate"
)

// pseudonymPurpose names the masterkey key recipient pseudonyms are made
// with: one key for the whole hub, so a recipient is linkable across
// reports and members.
const pseudonymPurpose = "recipient pseudonym"

// PseudonymKey is the hub's recipient-pseudonym key, for tools that must
// make the same pseudonyms (mamori mail parse --sanitize).
func PseudonymKey(b *masterkey.Box) []byte { return b.Key(pseudonymPurpose) }

// boundaryOf turns a member's declared boundary into the parser's.
func boundaryOf(m *Member) mailparse.Boundary {
	var b mailparse.Boundary
	for _, l := range m.Boundary {
		if p, err := netip.ParsePrefix(l); err == nil {
			b.Nets = append(b.Nets, p)
		} else {
			b.Hosts = append(b.Hosts, l)
		}
	}
	return b
}

// parseMail reads one of a report's mails as the member's boundary sees
// it, within a parse slot (parsegate.go): the caller's, when ctx holds
// one.
func (s *Service) parseMail(ctx context.Context, q db.Querier, rep *Report, mf MailFile, m *Member) (*mailparse.Message, error) {
	full, err := OpenMail(ctx, q, s.Box, rep.ID, mf.ID)
	if err != nil {
		return nil, err
	}
	msg, err := s.parses().parseBytes(ctx, full.Body, mailparse.Options{MaxSize: MaxMailBytes, Boundary: boundaryOf(m)})
	if err != nil {
		return nil, err
	}
	msg.File = full.Name
	return msg, nil
}

// Indicators are the values of a parsed mail the hub correlates on.
func Indicators(m *mailparse.Message) []correlate.Indicator {
	var inds []correlate.Indicator
	add := func(k correlate.Kind, v string) {
		if v != "" {
			inds = append(inds, correlate.Indicator{Kind: k, Value: v})
		}
	}
	for _, a := range m.From {
		add(correlate.Sender, a.Address)
	}
	for _, ip := range m.SendingIPs {
		add(correlate.SendingIP, ip)
	}
	for _, u := range m.URLs {
		if p, err := url.Parse(u); err == nil {
			add(correlate.URLHost, p.Hostname())
		}
	}
	var walk func([]mailparse.Attachment)
	walk = func(as []mailparse.Attachment) {
		for _, a := range as {
			add(correlate.AttachmentSHA256, a.SHA256)
			walk(a.Entries)
		}
	}
	walk(m.Attachments)
	if in, ok := correlate.MailerSubjectOf(m.XMailer, m.Subject); ok {
		inds = append(inds, in)
	}
	for _, a := range m.Attached {
		inds = append(inds, Indicators(a)...)
	}
	ok, _ := correlate.Clean(inds)
	return ok
}

// memberDomains are the member's own mail domains as the sanitiser is
// told them: the reporter's address's domain and the boundary's hosts.
func (s *Service) memberDomains(ctx context.Context, q db.Querier, reporterID string, m *Member) []string {
	var out []string
	if reporterID != "" {
		if u, err := auth.UserByID(ctx, q, reporterID); err == nil {
			if _, dom, ok := strings.Cut(u.Email, "@"); ok {
				out = append(out, strings.ToLower(dom))
			}
		}
	}
	return append(out, boundaryOf(m).Hosts...)
}

// underDomains reports whether host is one of names or under one.
func underDomains(host string, names []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, n := range names {
		if n = strings.ToLower(strings.Trim(n, ".")); n != "" && (host == n || strings.HasSuffix(host, "."+n)) {
			return true
		}
	}
	return false
}

// sharedMail is one mail of a share: the sanitised record and its body's
// text (sanitised too: recipients' names in greetings, tokens in links),
// so members recognise the lure when it reaches them.
type sharedMail struct {
	*mailparse.Message
	Body string `json:"body,omitempty"`
}

// maxSharedBody bounds the body text kept in a share, in characters: a
// lure is recognised by its first screen; a long quoted thread is noise.
const maxSharedBody = 8000

// Proposal is the shareable version of a report's mails as first
// proposed: the sanitised messages as JSON, pseudonyms numbered for this
// share (members never see the keyed pseudonym, which is the same in
// every report and would link one company's reports), the redactions with
// the originals and the numbers given (sealed when stored), and what the
// mails themselves say about the lure, so the coordinator starts from the
// facts rather than an empty form (and the figures count every share by
// lure and attachment type).
type Proposal struct {
	Sanitized  string
	Redactions [][]Redaction
	Numbers    map[string]int
	// Lure is "url", "attachment", "both" or "none", from the links and
	// attachments the mails carry.
	Lure string
	// AttachmentTypes are the attachments' file name extensions, lower
	// case, without the dot, each once.
	AttachmentTypes []string
}

// propose builds the shareable version of a report's mails: recipients
// pseudonymised, the member's hops and domains hidden, the reporter and
// any extra terms the analyst names removed.
func (s *Service) propose(ctx context.Context, q db.Querier, rep *Report, m *Member, extra []string) (Proposal, error) {
	opts := mailparse.SanitizeOptions{Key: PseudonymKey(s.Box), Boundary: boundaryOf(m), Reporter: append([]string(nil), extra...)}
	if rep.ReporterID != "" {
		if u, err := auth.UserByID(ctx, q, rep.ReporterID); err == nil {
			opts.Reporter = append(opts.Reporter, u.Email)
			if u.Name != "" {
				opts.Reporter = append(opts.Reporter, u.Name)
			}
		}
	}
	opts.MemberDomains = s.memberDomains(ctx, q, rep.ReporterID, m)
	// The reporting member's own name, as registered, in English and its
	// kana reading: a lure addressed to 会員A電機株式会社 御中 or
	// ヤマダセイキ御中 names the reporter. So do its phone and fax numbers.
	opts.Organisations = append(opts.Organisations, m.Name)
	if o, err := org.ByID(ctx, q, m.OrgID); err == nil {
		for _, n := range []string{o.NameEn, o.NameKana} {
			if n != "" {
				opts.Organisations = append(opts.Organisations, n)
			}
		}
	}
	opts.Phones = append([]string(nil), m.Phones...)
	// The direct lines of its internal contacts (the incident response
	// card) name it too, in a hijacked thread's signatures.
	if sc, err := incident.CardFor(ctx, q, m.OrgID); err == nil {
		for _, p := range sc.Card.Internal {
			if p.Phone != "" {
				opts.Phones = append(opts.Phones, p.Phone)
			}
		}
	}
	msgs := []sharedMail{}
	reds := [][]Redaction{}
	for _, mf := range rep.Mails {
		msg, err := s.parseMail(ctx, q, rep, mf, m)
		if err != nil {
			continue // listed on the report page; nothing of it is shared
		}
		if strings.TrimSpace(msg.Text) == "" && msg.HTML != "" {
			// An HTML-only mail is shared as its text, and sanitised as
			// text: a name split over tags (<span>山田</span><span>太郎</span>様)
			// is whole only once the tags are gone.
			c := *msg
			c.Text = mailparse.HTMLText(msg.HTML)
			msg = &c
		}
		san, err := mailparse.Sanitize(msg, opts)
		if err != nil {
			return Proposal{}, err
		}
		san.Message.File = ""
		body := cutSharedBody(san.Message.Text, maxSharedBody)
		msgs = append(msgs, sharedMail{Message: san.Message, Body: strings.TrimSpace(body)})
		list := make([]Redaction, len(san.Redactions))
		for i, r := range san.Redactions {
			list[i] = Redaction{Redaction: r}
		}
		reds = append(reds, list)
	}
	a, err := json.Marshal(msgs)
	if err != nil {
		return Proposal{}, err
	}
	p := Proposal{Redactions: reds, Numbers: map[string]int{}}
	p.Sanitized = numberShare(string(a), reds, p.Numbers)
	p.Lure, p.AttachmentTypes = lureOf(msgs)
	return p, nil
}

// cutSharedBody cuts a sanitised body to n characters. A keyed
// pseudonym the cut falls inside is left out whole: its first hex digits,
// which numbering does not recognise, are the same in every share where
// that recipient ends the kept text.
func cutSharedBody(body string, n int) string {
	r := []rune(body)
	if len(r) <= n {
		return body
	}
	out := string(r[:n])
	const p = "recipient-"
	if i := strings.LastIndex(out, p); i >= 0 && len(out)-i < len(p)+12 {
		out = out[:i]
	}
	return out + "\n…"
}

// lureOf reads the lure from the mails: links, attachments, both or
// neither, and the attachments' extensions in the form the editor takes
// (a–z and digits, at most 10 characters; other names are left out).
func lureOf(msgs []sharedMail) (string, []string) {
	urls, files := false, false
	var types []string
	for _, m := range msgs {
		urls = urls || len(m.URLs) > 0
		for _, a := range m.Attachments {
			files = true
			ext := strings.ToLower(strings.TrimSpace(path.Ext(a.Name)))
			ext = strings.TrimPrefix(ext, ".")
			if ext == "" || len(ext) > 10 || strings.ContainsFunc(ext, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
				continue
			}
			if !slices.Contains(types, ext) {
				types = append(types, ext)
			}
		}
	}
	switch {
	case urls && files:
		return "both", types
	case urls:
		return "url", types
	case files:
		return "attachment", types
	}
	return "none", types
}
