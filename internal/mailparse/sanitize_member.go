package mailparse

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// The member's own identity beyond its names: its phone and fax numbers
// as people write them, its name's reading in kana, names fused into
// words, and the per-share numbering of pseudonyms.

// phoneName replaces a member's phone or fax number.
const phoneName = "[phone]"

// phoneTargets are the digit strings a number is written with: national
// (0312345678) and international (81312345678, with the trunk 0 kept
// in brackets as +81 (0)3…, or 0081…). Numbers of fewer than six digits
// are left out: matched in prose they would blank ordinary figures.
func phoneTargets(phone string) []string {
	d := phoneDigits(phone)
	switch {
	case strings.HasPrefix(strings.TrimSpace(norm.NFKC.String(phone)), "+"):
		d = strings.TrimPrefix(d, "81")
		d = "0" + strings.TrimPrefix(d, "0")
	case strings.HasPrefix(d, "0081"):
		d = "0" + strings.TrimPrefix(d[4:], "0")
	}
	if len(d) < 6 || d[0] != '0' {
		if len(d) >= 6 {
			return []string{d}
		}
		return nil
	}
	rest := d[1:]
	return []string{d, "81" + rest, "810" + rest, "0081" + rest, "00810" + rest}
}

// phoneDigits keeps a number's digits, full-width ones as ASCII.
func phoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + r - '０')
		}
	}
	return b.String()
}

// phoneSeparator reports the characters written between the digits of a
// phone number: hyphens and dashes of every width (ー too, which Japanese
// input often gives for a hyphen), brackets, dots and spaces.
func phoneSeparator(r rune) bool {
	switch r {
	case '-', '‐', '‑', '‒', '–', '—', '−', 'ー', '－', '―', '(', ')', '（', '）', '.', '．', ' ', '\u3000', '/', '／':
		return true
	}
	return false
}

// asciiWords reports whether every field is Latin letters and digits: a
// name such words make may be written fused (YamadaSeiki) or joined
// (Yamada_Seiki); one with punctuation ("Co., Ltd.") is not.
func asciiWords(fields []string) bool {
	for _, f := range fields {
		for i := 0; i < len(f); i++ {
			if !isAlnum(f[i]) {
				return false
			}
		}
	}
	return len(fields) > 1
}

func digitRune(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// phoneMatcher holds the digit strings phoneSpans looks for, by length.
type phoneMatcher struct {
	set     map[string]bool
	lengths []int // distinct lengths of the targets, longest first
	// prefix marks the targets' first four digits, so most group starts
	// are passed over without a lookup.
	prefix [10000]bool
}

func prefix4(d []byte) int {
	return int(d[0]-'0')*1000 + int(d[1]-'0')*100 + int(d[2]-'0')*10 + int(d[3]-'0')
}

func newPhoneMatcher(targets []string) *phoneMatcher {
	if len(targets) == 0 {
		return nil
	}
	m := &phoneMatcher{set: map[string]bool{}}
	for _, t := range targets {
		m.set[t] = true
		m.prefix[prefix4([]byte(t))] = true
		if !slices.Contains(m.lengths, len(t)) {
			m.lengths = append(m.lengths, len(t))
		}
	}
	slices.Sort(m.lengths)
	slices.Reverse(m.lengths)
	return m
}

// phoneSpans finds the member's numbers in text: a run of digits and
// separators whose digits, from a group's start, spell a target and end
// at a group's end (so 0312345678 is not found inside 03123456789).
// Returned as byte ranges of text, a leading + or bracket included. Each
// group start costs one lookup per target length, whatever the number of
// targets.
func phoneSpans(text string, pm *phoneMatcher) [][2]int {
	if pm == nil {
		return nil
	}
	type digit struct {
		start, end int32
		groupStart bool // not straight after another digit
	}
	var out [][2]int
	// The current run of digits and separators: its digits (ds) and where
	// each stands. A long run is matched in chunks, so memory stays small.
	var run []digit
	var ds []byte
	maxLen := pm.lengths[0]
	// match tries every group start whose number is decided (final: all
	// of them) and drops what is done.
	match := func(final bool) {
		limit := len(run)
		if !final {
			limit = len(run) - maxLen
		}
		i := 0
		for ; i < limit; i++ {
			if !run[i].groupStart || i+4 > len(run) || !pm.prefix[prefix4(ds[i:])] {
				continue
			}
			for _, l := range pm.lengths {
				j := i + l
				if j > len(run) || j < len(run) && !run[j].groupStart || !pm.set[string(ds[i:j])] {
					continue
				}
				start := int(run[i].start)
				for start > 0 {
					r, size := utf8.DecodeLastRuneInString(text[:start])
					if r != '+' && r != '＋' && r != '(' && r != '（' {
						break
					}
					start -= size
				}
				out = append(out, [2]int{start, int(run[j-1].end)})
				i = j - 1
				break
			}
		}
		if final || i >= len(run) {
			run, ds = run[:0], ds[:0]
			return
		}
		run = run[:copy(run, run[i:])]
		ds = ds[:copy(ds, ds[i:])]
	}
	prevDigit := false
	for i, r := range text {
		switch {
		case digitRune(r):
			d := byte(r)
			if r >= '０' {
				d = byte('0' + r - '０')
			}
			run = append(run, digit{start: int32(i), end: int32(i + utf8.RuneLen(r)), groupStart: !prevDigit})
			ds = append(ds, d)
			prevDigit = true
			if len(run) >= 1024 {
				match(false)
			}
		case phoneSeparator(r) || r == '+' || r == '＋':
			prevDigit = false
		default:
			if len(run) > 0 {
				match(true)
			}
			prevDigit = false
		}
	}
	if len(run) > 0 {
		match(true)
	}
	return out
}

// kanaForms are the ways a name's kana reading is written: as katakana,
// as hiragana and in half-width katakana (bank transfers, old systems),
// each with and without its spaces. A form holding anything but kana is
// returned alone.
func kanaForms(f string) []string {
	kana := false
	for _, r := range f {
		switch {
		case r >= 0x3041 && r <= 0x309F || r >= 0x30A0 && r <= 0x30FF:
			kana = true
		case r == ' ' || r == '\u3000':
		default:
			return nil
		}
	}
	if !kana {
		return nil
	}
	kata := strings.Map(func(r rune) rune {
		if r >= 0x3041 && r <= 0x3096 {
			return r + 0x60
		}
		return r
	}, f)
	hira := strings.Map(func(r rune) rune {
		if r >= 0x30A1 && r <= 0x30F6 {
			return r - 0x60
		}
		return r
	}, f)
	half := width.Narrow.String(norm.NFD.String(kata))
	var out []string
	forms := []string{kata, half}
	if utf8.RuneCountInString(strings.Join(strings.Fields(f), "")) >= 4 {
		// In hiragana a short reading is an ordinary word (あい, いと).
		forms = append(forms, hira)
	}
	for _, v := range forms {
		out = append(out, v)
		if squeezed := strings.Join(strings.Fields(v), ""); squeezed != v {
			out = append(out, squeezed)
		}
	}
	return out
}

// camelFused reports whether a name matched at lower[at:end] is fused
// into a longer word at a capital letter: TYamada, TaroYamada, YamadaT.
// The name must start with a capital followed by a small letter, and what
// follows it must not be a small letter, so "Yamadaya" the shop and an
// all-capitals word stay.
func camelFused(text string, at, end int) bool {
	if at+1 >= len(text) || !(text[at] >= 'A' && text[at] <= 'Z') || !(text[at+1] >= 'a' && text[at+1] <= 'z') {
		return false
	}
	return end >= len(text) || !(text[end] >= 'a' && text[end] <= 'z')
}

// fusable reports whether a rule's needle may be found fused into a
// longer word: a person's or the member's name of four Latin letters or
// more.
func fusable(r *rule) bool {
	switch r.kind {
	case KindRecipientName, KindGreetingName, KindReporter, KindOrganisation:
	default:
		return false
	}
	return r.word && !r.host && len(r.lower) >= 4 && asciiLetters(r.lower)
}

// NumberPseudonyms replaces each keyed pseudonym in s (recipient-<12
// hex>, as an address or as a name tag) by a number: recipient-1,
// recipient-2… in the order they are first met. numbers holds the
// numbers given so far (keyed hex → number) and is extended, so the
// texts of one share are numbered alike; a new map per share makes a
// recipient's number say nothing outside it. Members see the numbers;
// the keyed pseudonym, which is the same in every report, stays with the
// coordinators for their correlation.
func NumberPseudonyms(s string, numbers map[string]int) string {
	const p = "recipient-"
	var b strings.Builder
	pos := 0
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], p)
		if j < 0 {
			break
		}
		at := i + j
		h := at + len(p)
		i = h
		if h+12 > len(s) || !lowerHex(s[h:h+12]) || h+12 < len(s) && isAlnum(s[h+12]) || at > 0 && isAlnum(s[at-1]) && !afterEscape(s, at) {
			continue
		}
		key := s[h : h+12]
		n, ok := numbers[key]
		if !ok {
			n = len(numbers) + 1
			numbers[key] = n
		}
		b.WriteString(s[pos:h])
		b.WriteString(strconv.Itoa(n))
		pos = h + 12
		i = pos
	}
	if pos == 0 {
		return s
	}
	b.WriteString(s[pos:])
	return b.String()
}

// afterEscape reports whether s[:at] ends in an escape, whose last
// character is a letter or digit but which stands for another: in the
// shared version's JSON a pseudonym in angle brackets follows \u003c, in
// a link %3C or %5B. A keyed pseudonym left there for the letter before
// it would link the member's shares.
func afterEscape(s string, at int) bool {
	return at >= 6 && s[at-6] == '\\' && s[at-5] == 'u' && hexDigits(s[at-4:at]) || at >= 3 && s[at-3] == '%' && hexDigits(s[at-2:at])
}

func hexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
