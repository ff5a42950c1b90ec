package correlate

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/db"
)

// Warning is an entry of the warning list: values that never link
// reports because everyone sees them (free mail, big platforms), or
// because an analyst decided so.
//
// How an entry matches an indicator of its kind:
//   - sender: an address matches that address; a domain (gmail.com, also
//     written @gmail.com) matches every address at the domain or at any
//     subdomain of it;
//   - url_host: a domain matches the host and every subdomain
//     (google.com matches google.com and docs.google.com, not
//     notgoogle.com); an IP address matches that address, a prefix
//     (203.0.113.0/24) every address in it;
//   - sending_ip: an address or a prefix, as for url_host;
//   - attachment_sha256 and mailer_subject: the exact value.
type Warning struct {
	Kind  Kind   `json:"kind"`
	Value string `json:"value"`
	Note  string `json:"note"`
	// AddedBy is the user who added or last changed the entry; "" for
	// the built-in entries and when that user was deleted.
	AddedBy string    `json:"added_by,omitempty"`
	AddedAt time.Time `json:"added_at"`
}

const maxNote = 500

// NormalizeWarning returns the canonical form of a warning-list value of
// kind, as it is stored and matched.
func NormalizeWarning(kind Kind, value string) (string, error) {
	v := strings.TrimSpace(value)
	fail := func(err error) (string, error) {
		return "", invalid(Indicator{Kind: kind, Value: value}, err.Error())
	}
	switch kind {
	case Sender:
		if strings.HasPrefix(v, "@") || !strings.Contains(v, "@") {
			h, err := normDomain(strings.TrimPrefix(v, "@"))
			if err != nil {
				return fail(err)
			}
			return h, nil
		}
	case MailerSubject:
		// Typed as "X-Mailer | subject" (a NUL cannot be typed into a
		// form); the subject may be pasted as received and is made a
		// template as a mail's would be, so the entry matches.
		v = strings.ReplaceAll(v, "\x1f", "\x00")
		if !strings.Contains(v, "\x00") {
			m, subj, ok := strings.Cut(v, " | ")
			if !ok {
				return fail(errors.New(`write the X-Mailer, " | " and the subject`))
			}
			v = m + "\x00" + SubjectTemplate(subj)
		}
		value = v
	case URLHost, SendingIP:
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return fail(errors.New("not an address prefix"))
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
				if !p.IsValid() {
					return fail(errors.New("not an address prefix"))
				}
			}
			return p.Masked().String(), nil
		}
		if a, err := parseIP(v); err == nil {
			return a.String(), nil
		}
	}
	in, err := Indicator{Kind: kind, Value: value}.Normalize()
	if err != nil {
		return "", err
	}
	return in.Value, nil
}

// Warn adds an entry to the warning list, or changes the note of one
// already there; userID ("" for none) is recorded as who did it.
func Warn(ctx context.Context, q db.Querier, kind Kind, value, note, userID string) (Warning, error) {
	v, err := NormalizeWarning(kind, value)
	if err != nil {
		return Warning{}, err
	}
	note = strings.TrimSpace(note)
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > maxNote {
		return Warning{}, fmt.Errorf("%w: note longer than %d characters", ErrInvalid, maxNote)
	}
	w := Warning{Kind: kind, Value: v, Note: note, AddedBy: userID, AddedAt: db.Now()}
	var by any
	if userID != "" {
		by = userID
	}
	_, err = q.ExecContext(ctx, `INSERT INTO correlation_warnings (kind, value, note, added_by, added_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, value) DO UPDATE SET note = excluded.note, added_by = excluded.added_by, added_at = excluded.added_at`,
		string(kind), storeValue(v), note, by, w.AddedAt)
	return w, err
}

// Unwarn removes an entry; db.ErrNotFound when there is none. The value
// is normalised as Warn does, so the spelling used to add it works.
func Unwarn(ctx context.Context, q db.Querier, kind Kind, value string) error {
	v, err := NormalizeWarning(kind, value)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `DELETE FROM correlation_warnings WHERE kind = ? AND value = ?`, string(kind), storeValue(v))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return db.ErrNotFound
	}
	return err
}

// Warnings returns the whole list, by kind then value.
func Warnings(ctx context.Context, q db.Querier) ([]Warning, error) {
	out, err := db.Collect(ctx, q, func(r db.Scanner) (Warning, error) {
		var w Warning
		err := r.Scan(&w.Kind, &w.Value, &w.Note, &w.AddedBy, &w.AddedAt)
		w.Value = strings.ReplaceAll(w.Value, "\x1f", "\x00")
		w.AddedAt = w.AddedAt.UTC()
		return w, err
	}, `SELECT kind, value, note, COALESCE(added_by, ''), added_at FROM correlation_warnings`)
	slices.SortFunc(out, func(a, b Warning) int {
		return less(Indicator{a.Kind, a.Value}, Indicator{b.Kind, b.Value})
	})
	return out, err
}

// IsWarned returns the entry that keeps in from linking reports, and
// whether there is one. in must pass Normalize.
func IsWarned(ctx context.Context, q db.Querier, in Indicator) (Warning, bool, error) {
	n, err := in.Normalize()
	if err != nil {
		return Warning{}, false, err
	}
	wl, err := loadWarnings(ctx, q)
	if err != nil {
		return Warning{}, false, err
	}
	if w := wl.match(n); w != nil {
		return *w, true, nil
	}
	return Warning{}, false, nil
}

func storeValue(v string) string { return strings.ReplaceAll(v, "\x00", "\x1f") }

// Display is the entry's value as people read and type it: a mailer and
// subject pair as "X-Mailer | template", which NormalizeWarning reads back.
func (w Warning) Display() string { return strings.ReplaceAll(w.Value, "\x00", " | ") }

// warnList is the warning list ready for matching. The list is read
// whole for each lookup: it is meant for tens to hundreds of entries,
// and reading it fresh means an edit counts at once, on every instance.
type warnList struct {
	exact    map[Indicator]*Warning
	prefixes []*warnPrefix
}

type warnPrefix struct {
	prefix netip.Prefix
	w      *Warning
}

func loadWarnings(ctx context.Context, q db.Querier) (*warnList, error) {
	ws, err := Warnings(ctx, q)
	if err != nil {
		return nil, err
	}
	wl := &warnList{exact: make(map[Indicator]*Warning, len(ws))}
	for i := range ws {
		w := &ws[i]
		if (w.Kind == URLHost || w.Kind == SendingIP) && strings.Contains(w.Value, "/") {
			if p, err := netip.ParsePrefix(w.Value); err == nil {
				wl.prefixes = append(wl.prefixes, &warnPrefix{p, w})
			}
			continue
		}
		wl.exact[Indicator{w.Kind, w.Value}] = w
	}
	return wl, nil
}

// match returns the entry that warns in (normalised), or nil. Of several
// the most specific wins: the exact value, then the longest domain or
// prefix.
func (wl *warnList) match(in Indicator) *Warning {
	if w := wl.exact[in]; w != nil {
		return w
	}
	domain := ""
	switch in.Kind {
	case Sender:
		domain = in.Value[strings.LastIndexByte(in.Value, '@')+1:]
	case URLHost, SendingIP:
		if a, err := netip.ParseAddr(in.Value); err == nil {
			var best *warnPrefix
			for _, p := range wl.prefixes {
				if p.w.Kind == in.Kind && p.prefix.Contains(a) && (best == nil || p.prefix.Bits() > best.prefix.Bits()) {
					best = p
				}
			}
			if best != nil {
				return best.w
			}
			return nil
		}
		domain = in.Value
	default:
		return nil
	}
	for d := domain; d != ""; {
		if w := wl.exact[Indicator{in.Kind, d}]; w != nil {
			return w
		}
		_, rest, ok := strings.Cut(d, ".")
		if !ok {
			break
		}
		d = rest
	}
	return nil
}
