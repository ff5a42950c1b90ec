package registry

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"mamori/internal/i18n"
)

// The badge is our own drawing: a coloured panel with the stars, and the
// programme's name, the organisation's name and the number beside it. It
// uses no IPA mark. A withdrawn declaration's badge is grey and says so.
const (
	badgeWidth  = 320
	badgeHeight = 80
	// maxNameUnits is how wide a name may be drawn, counting a full-width
	// character as 2 and any other as 1; longer names end with "…".
	maxNameUnits = 34
)

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// xmlEscape escapes s for XML text and attribute values, after dropping
// what XML 1.0 cannot hold at all (control characters, invalid UTF-8) and
// turning line breaks and tabs into spaces. Direction controls (U+202E…)
// are dropped too: an SVG drawing has no <bdi>, and one in a stored name
// would draw it, and the number after it, reordered.
func xmlEscape(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r == utf8.RuneError, unicode.IsControl(r), i18n.IsBidiControl(r), r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return xmlEscaper.Replace(s)
}

// wide reports whether r takes a full-width cell.
func wide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
		(r >= 0xFFE0 && r <= 0xFFE6) || r >= 0x20000)
}

// truncateName shortens a name to maxUnits display units, ending in "…".
func truncateName(s string, maxUnits int) string {
	s = strings.Join(strings.Fields(s), " ")
	units := 0
	for i, r := range s {
		w := 1
		if wide(r) {
			w = 2
		}
		if units+w > maxUnits {
			// leave room for the ellipsis (one unit)
			cut := s[:i]
			for units+1 > maxUnits && cut != "" {
				last, size := utf8.DecodeLastRuneInString(cut)
				cut = cut[:len(cut)-size]
				if wide(last) {
					units -= 2
				} else {
					units--
				}
			}
			return strings.TrimRight(cut, " ") + "…"
		}
		units += w
	}
	return s
}

// badgeSVG draws the badge of e in p's language.
func badgeSVG(e Entry, p *i18n.Printer) string {
	panel, text := "#1f4e8c", "#1b1b1b"
	status := ""
	if !e.Active() {
		panel, text = "#8c8c8c", "#6b6b6b"
		status = " · " + p.T("registry.badge.withdrawn")
	}
	programme := xmlEscape(p.T("registry.badge.programme"))
	name := xmlEscape(truncateName(e.Name, maxNameUnits))
	number := xmlEscape(p.T("registry.badge.number", e.Number) + status)
	label := programme + " " + e.Mark() + " " + name + " " + number
	starSize := "30"
	if e.Stars >= 2 {
		starSize = "22"
	}
	w, h := strconv.Itoa(badgeWidth), strconv.Itoa(badgeHeight)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + w + `" height="` + h + `" viewBox="0 0 ` + w + ` ` + h + `" role="img" aria-label="` + label + `">`)
	b.WriteString(`<title>` + label + `</title>`)
	b.WriteString(`<rect x="0.5" y="0.5" width="` + strconv.Itoa(badgeWidth-1) + `" height="` + strconv.Itoa(badgeHeight-1) + `" rx="8" fill="#ffffff" stroke="` + panel + `"/>`)
	b.WriteString(`<path d="M8.5 0.5H64V79.5H8.5A8 8 0 0 1 0.5 71.5V8.5A8 8 0 0 1 8.5 0.5Z" fill="` + panel + `"/>`)
	b.WriteString(`<text x="32" y="50" text-anchor="middle" font-family="sans-serif" font-size="` + starSize + `" fill="#ffffff">` + e.Mark() + `</text>`)
	b.WriteString(`<g font-family="'Hiragino Sans','Noto Sans JP','Yu Gothic',sans-serif" fill="` + text + `">`)
	b.WriteString(`<text x="74" y="22" font-size="11">` + programme + `</text>`)
	b.WriteString(`<text x="74" y="45" font-size="14" font-weight="bold">` + name + `</text>`)
	b.WriteString(`<text x="74" y="66" font-size="11" font-family="monospace">` + number + `</text>`)
	b.WriteString(`</g></svg>` + "\n")
	return b.String()
}

// badge serves GET /v/{number}/badge.svg. Its language is the ?lang=
// parameter only (Japanese by default), so one URL always draws the same
// picture and caches well.
func (s *Service) badge(w http.ResponseWriter, r *http.Request) error {
	rec, err := byNumber(r.Context(), s.DB.Read(), r.PathValue("number"))
	if err != nil {
		return err
	}
	lang := i18n.Default
	if l := r.URL.Query().Get("lang"); i18n.Supported(l) {
		lang = l
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write([]byte(badgeSVG(rec.Entry, s.Catalog.Printer(lang))))
	if err != nil {
		s.Log.DebugContext(r.Context(), "badge write failed", "err", err)
	}
	return nil
}
