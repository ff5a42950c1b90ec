// Package i18n holds mamori's message catalogs. Japanese is the default and
// English the other language; every key must exist, non-empty, in both, which
// a test enforces, so no page ever shows a raw key or half a translation.
//
// A message with a count may have a variant "<key>.one", used instead of
// the key when the language's plural rule puts the count in the "one"
// category (see Printer.N). Only languages with that category may define
// it: English does ("1 result"), Japanese has no plural forms and refuses
// it, so its text never depends on a count.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Languages mamori speaks, default first.
var Languages = []string{"ja", "en"}

// Default is the language used when nothing else decides.
const Default = "ja"

// Catalog maps language → key → message.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load merges catalogs from several file systems, each holding ja.json and
// en.json, so that every capability package can ship its own messages.
func Load(sources ...fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		c.msgs[lang] = map[string]string{}
	}
	for _, src := range sources {
		for _, lang := range Languages {
			b, err := fs.ReadFile(src, lang+".json")
			if err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", lang, err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s.json: %w", lang, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[lang][k]; dup {
					return nil, fmt.Errorf("i18n: key %q defined twice in %s", k, lang)
				}
				c.msgs[lang][k] = v
			}
		}
	}
	return c, nil
}

// oneSuffix marks a message's variant for the plural category "one".
const oneSuffix = ".one"

// hasOne reports whether lang's plural rule has a "one" category distinct
// from the rest (CLDR): English does; Japanese has no plural forms.
func hasOne(lang string) bool { return lang == "en" }

// isOne reports whether lang's plural rule puts n in the "one" category:
// in English exactly 1 (CLDR "i = 1 and v = 0"; counts are whole numbers).
func isOne(lang string, n int) bool { return hasOne(lang) && n == 1 }

// Problems lists keys missing or empty in any language, and "one"
// variants that cannot be used: in a language without that plural
// category, or without the message they vary.
func (c *Catalog) Problems() []string {
	all := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for k := range all {
		if base, ok := strings.CutSuffix(k, oneSuffix); ok {
			for _, lang := range Languages {
				v, defined := c.msgs[lang][k]
				switch {
				case !defined:
				case !hasOne(lang):
					out = append(out, lang+": "+k+" (no plural forms)")
				case strings.TrimSpace(v) == "":
					out = append(out, lang+": "+k)
				case c.msgs[lang][base] == "":
					out = append(out, lang+": "+k+" (no "+base+")")
				}
			}
			continue
		}
		for _, lang := range Languages {
			if strings.TrimSpace(c.msgs[lang][k]) == "" {
				out = append(out, lang+": "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[Default][key]; return ok }

// Keys lists every key, sorted.
func (c *Catalog) Keys() []string {
	var ks []string
	for k := range c.msgs[Default] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Printer translates for one language.
func (c *Catalog) Printer(lang string) *Printer {
	if _, ok := c.msgs[lang]; !ok {
		lang = Default
	}
	return &Printer{lang: lang, msgs: c.msgs[lang]}
}

// Printer is handed to templates as .L so pages call {{.L.T "key"}}.
type Printer struct {
	lang string
	msgs map[string]string
}

// Lang is the printer's language code.
func (p *Printer) Lang() string { return p.lang }

// T translates key, replacing {0}, {1}… with args, in the plural form the
// first Count among args chooses (see N). A missing key shows as the key
// itself so a gap is visible, never blank.
func (p *Printer) T(key string, args ...any) string {
	for _, a := range args {
		if n, ok := a.(Count); ok {
			key = p.form(key, int(n))
			break
		}
	}
	return p.format(key, args)
}

// format writes the message key with args in its placeholders.
func (p *Printer) format(key string, args []any) string {
	s, ok := p.msgs[key]
	if !ok {
		return key
	}
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	// One pass, so an argument that itself looks like {1} is not expanded.
	// Scanned by hand: a strings.Replacer per call costs more than the page.
	var b strings.Builder
	b.Grow(len(s) + 16*len(args))
	for i := 0; i < len(s); i++ {
		if s[i] == '{' {
			if j := strings.IndexByte(s[i:], '}'); j > 1 {
				if n, err := strconv.Atoi(s[i+1 : i+j]); err == nil && n >= 0 && n < len(args) {
					if str, ok := args[n].(string); ok {
						// An argument is often a user's text (a name): one
						// stored with a direction override must not turn
						// the rest of the message around.
						b.WriteString(Isolate(str))
					} else {
						fmt.Fprint(&b, args[n])
					}
					i += j
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// N translates key for the count n: the "<key>.one" variant when the
// language's plural rule puts n in the "one" category and the catalog has
// one, else key itself. n only chooses the form; the message's arguments
// are args, as for T, so a count can be shown formatted ("1,092") or sit
// at any place ({1} in "{0} of {1} services").
func (p *Printer) N(key string, n int, args ...any) string {
	return p.format(p.form(key, n), args)
}

// Count is an argument that is a count: T chooses the message's plural
// form by the first one (as N does by n) and shows it as a number. It is
// for messages chosen before their language is known, which travel as a
// key and arguments (errors, notices): the count goes along with them.
type Count int

// form is the key of the message to show for the count n: key's "one"
// variant where the language's rule and the catalog have it, else key.
func (p *Printer) form(key string, n int) string {
	if isOne(p.lang, n) {
		if _, ok := p.msgs[key+oneSuffix]; ok {
			return key + oneSuffix
		}
	}
	return key
}

// TA is T with the arguments in a slice, for templates that pass an
// error's stored arguments along.
func (p *Printer) TA(key string, args []any) string { return p.T(key, args...) }

// Supported reports whether lang is one of ours.
func Supported(lang string) bool { return lang == "ja" || lang == "en" }

// FromAcceptLanguage picks ja or en from an Accept-Language header by
// quality, ignoring languages we do not speak.
func FromAcceptLanguage(h string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if params != "" {
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		// q=0 means "not acceptable" (RFC 9110 §12.4.2).
		if Supported(base) && q > 0 && q > bestQ {
			best, bestQ = base, q
		}
	}
	if best == "" {
		return Default
	}
	return best
}

// Negotiate decides a request's language: the user's setting, then the
// language cookie, then Accept-Language, then Japanese.
func Negotiate(userLang string, r *http.Request) string {
	if Supported(userLang) {
		return userLang
	}
	if ck, err := r.Cookie("mamori_lang"); err == nil && Supported(ck.Value) {
		return ck.Value
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		return FromAcceptLanguage(h)
	}
	return Default
}
