package mailparse

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// Japanese labels that the WHATWG table behind html/charset does not know
// but that Japanese mailers write. CP50220–CP50222 and ISO-2022-JP-MS are
// ISO-2022-JP with the NEC and IBM rows, which x/text's decoder already
// reads; the JIS X 0213 variants share the common characters.
var japaneseLabels = map[string]string{
	"cp50220":          "iso-2022-jp",
	"cp50221":          "iso-2022-jp",
	"cp50222":          "iso-2022-jp",
	"iso-2022-jp-ms":   "iso-2022-jp",
	"iso-2022-jp-1":    "iso-2022-jp",
	"iso-2022-jp-2":    "iso-2022-jp",
	"iso-2022-jp-3":    "iso-2022-jp",
	"iso-2022-jp-2004": "iso-2022-jp",
	"x-iso-2022-jp":    "iso-2022-jp",
	"jis":              "iso-2022-jp",
	"cp932":            "shift_jis",
	"ms932":            "shift_jis",
	"ms_kanji":         "shift_jis",
	"windows-31j":      "shift_jis",
	"x-ms-cp932":       "shift_jis",
	"shift_jis-2004":   "shift_jis",
	"shift_jisx0213":   "shift_jis",
	"sjis-open":        "shift_jis",
	"sjis-win":         "shift_jis",
	"cp51932":          "euc-jp",
	"eucjp":            "euc-jp",
	"eucjp-ms":         "euc-jp",
	"eucjp-win":        "euc-jp",
	"euc-jp-ms":        "euc-jp",
	"euc_jp":           "euc-jp",
	"ujis":             "euc-jp",
	"euc-jis-2004":     "euc-jp",
	"cp20932":          "euc-jp",
	"utf8":             "utf-8",
	"utf8mb4":          "utf-8",
	"ascii":            "us-ascii",
	"us_ascii":         "us-ascii",
	"646":              "us-ascii",
}

// charsetFamily groups labels by how a mislabel is detected: what bytes
// cannot occur in that charset.
type charsetFamily int

const (
	famUnknown charsetFamily = iota
	famASCII
	famUTF8
	famISO2022JP
	famShiftJIS
	famEUCJP
	famWestern // single-byte charsets: any byte is "valid"
	famOther   // multi-byte non-Japanese charsets
)

// lookupCharset resolves a MIME charset label to a decoder. The WHATWG
// table maps US-ASCII to windows-1252, which is what mail in the wild
// means by it.
func lookupCharset(label string) (encoding.Encoding, string, charsetFamily) {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if l == "" {
		return nil, "", famUnknown
	}
	if alias, ok := japaneseLabels[l]; ok {
		l = alias
	}
	if l == "us-ascii" {
		enc, name := charset.Lookup("windows-1252")
		return enc, name, famASCII
	}
	enc, name := charset.Lookup(l)
	if enc == nil {
		return nil, "", famUnknown
	}
	switch name {
	case "utf-8":
		return enc, name, famUTF8
	case "iso-2022-jp":
		return enc, name, famISO2022JP
	case "shift_jis":
		return enc, name, famShiftJIS
	case "euc-jp":
		return enc, name, famEUCJP
	case "utf-16be", "utf-16le", "gbk", "gb18030", "big5", "euc-kr", "hz-gb-2312", "iso-2022-kr", "replacement":
		return enc, name, famOther
	}
	return enc, name, famWestern
}

// decodeText turns the bytes of a text part into UTF-8. The declared
// charset is believed unless the bytes prove it wrong; then, and when no
// charset is declared, the bytes are sniffed. note is a problem worth
// reporting ("" when the label was fine).
func decodeText(b []byte, declared string) (text string, used string, note string) {
	enc, name, fam := lookupCharset(declared)
	hasESC := bytes.Contains(b, []byte{0x1b, '$'}) || bytes.Contains(b, []byte{0x1b, '('})
	ascii := isASCII(b)
	switch fam {
	case famUnknown:
		if ascii && !hasESC {
			return string(b), "us-ascii", unknownNote(declared)
		}
		t, used := sniffDecode(b)
		if declared != "" {
			return t, used, "unknown charset " + quoteLabel(declared) + "; read as " + used
		}
		return t, used, ""
	case famASCII:
		if ascii && !hasESC {
			return string(b), "us-ascii", ""
		}
		t, used := sniffDecode(b)
		return t, used, "text declared as US-ASCII contains other bytes; read as " + used
	case famUTF8:
		if utf8.Valid(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD"), "utf-8", ""
		}
		t, used := sniffDecode(b)
		return t, used, "text declared as UTF-8 is not valid UTF-8; read as " + used
	case famISO2022JP:
		if !ascii {
			t, used := sniffDecode(b)
			return t, used, "text declared as ISO-2022-JP contains 8-bit bytes; read as " + used
		}
		return decodeISO2022JP(b), "iso-2022-jp", ""
	case famShiftJIS, famEUCJP:
		if hasESC && ascii {
			return decodeISO2022JP(b), "iso-2022-jp", "text declared as " + name + " is ISO-2022-JP; read as iso-2022-jp"
		}
		if bad := invalidJapanese(b, fam); bad > 0 {
			other := famEUCJP
			if fam == famEUCJP {
				other = famShiftJIS
			}
			switch {
			case utf8.Valid(b):
				return string(b), "utf-8", "text declared as " + name + " is UTF-8; read as utf-8"
			case invalidJapanese(b, other) == 0:
				t, used := decodeWith(b, other)
				return t, used, "text declared as " + name + " is " + used + "; read as " + used
			}
		}
		return runDecoder(enc, b), name, ""
	case famWestern:
		if hasESC && ascii {
			return decodeISO2022JP(b), "iso-2022-jp", "text declared as " + name + " is ISO-2022-JP; read as iso-2022-jp"
		}
		if !ascii && utf8.Valid(b) {
			return string(b), "utf-8", "text declared as " + name + " is UTF-8; read as utf-8"
		}
		return runDecoder(enc, b), name, ""
	}
	return runDecoder(enc, b), name, ""
}

func unknownNote(declared string) string {
	if declared == "" {
		return ""
	}
	return "unknown charset " + quoteLabel(declared) + "; read as us-ascii"
}

// quoteLabel keeps a charset label printable and short in messages.
func quoteLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

// sniffDecode guesses the charset of undeclared or mislabelled text.
// Japanese mail is the expected case: escape sequences mean ISO-2022-JP,
// valid UTF-8 means UTF-8, and otherwise Shift_JIS and EUC-JP are told
// apart by which of the two leaves fewer impossible byte sequences.
func sniffDecode(b []byte) (string, string) {
	if isASCII(b) {
		if bytes.Contains(b, []byte{0x1b, '$'}) || bytes.Contains(b, []byte{0x1b, '('}) || bytes.IndexByte(b, 0x0e) >= 0 {
			return decodeISO2022JP(b), "iso-2022-jp"
		}
		return string(b), "us-ascii"
	}
	if utf8.Valid(b) {
		return string(b), "utf-8"
	}
	sj, eu := invalidJapanese(b, famShiftJIS), invalidJapanese(b, famEUCJP)
	switch {
	case sj == 0 && eu == 0:
		if eucLikely(b) {
			return decodeWith(b, famEUCJP)
		}
		return decodeWith(b, famShiftJIS)
	case sj <= eu && sj*20 <= len(b):
		return decodeWith(b, famShiftJIS)
	case eu < sj && eu*20 <= len(b):
		return decodeWith(b, famEUCJP)
	}
	enc, name, _ := lookupCharset("windows-1252")
	return runDecoder(enc, b), name
}

func decodeWith(b []byte, fam charsetFamily) (string, string) {
	if fam == famEUCJP {
		return runDecoder(japanese.EUCJP, b), "euc-jp"
	}
	return runDecoder(japanese.ShiftJIS, b), "shift_jis"
}

// runDecoder never fails: x/text decoders replace what they cannot read
// with U+FFFD, which is what a reader of a broken mail should see.
func runDecoder(enc encoding.Encoding, b []byte) string {
	if enc == nil || enc == encoding.Nop {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	if enc == unicode.UTF8 {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// decodeISO2022JP reads ISO-2022-JP with the Microsoft extensions: x/text
// already knows the NEC and IBM rows (①, ㈱, 髙) and ESC ( I katakana;
// this adds SO/SI half-width katakana (CP50222 style) and treats the JIS
// X 0213 designations as JIS X 0208, which they extend.
func decodeISO2022JP(b []byte) string {
	if bytes.IndexByte(b, 0x0e) >= 0 || bytes.Contains(b, []byte("\x1b$(Q")) || bytes.Contains(b, []byte("\x1b$(O")) {
		b = normaliseISO2022JP(b)
	}
	return runDecoder(japanese.ISO2022JP, b)
}

func normaliseISO2022JP(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	last := []byte("\x1b(B")
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == 0x1b && i+3 < len(b) && b[i+1] == '$' && b[i+2] == '(' && (b[i+3] == 'Q' || b[i+3] == 'O'):
			out = append(out, "\x1b$B"...)
			last = []byte("\x1b$B")
			i += 3
		case c == 0x1b && i+2 < len(b) && (b[i+1] == '$' || b[i+1] == '('):
			n := 3
			if b[i+1] == '$' && b[i+2] == '(' && i+3 < len(b) {
				n = 4
			}
			last = b[i : i+n]
			out = append(out, last...)
			i += n - 1
		case c == 0x0e:
			out = append(out, "\x1b(I"...)
		case c == 0x0f:
			out = append(out, last...)
		default:
			out = append(out, c)
		}
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// invalidJapanese counts byte sequences impossible in Shift_JIS (CP932)
// or EUC-JP.
func invalidJapanese(b []byte, fam charsetFamily) int {
	bad := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < 0x80 {
			continue
		}
		if fam == famShiftJIS {
			switch {
			case c >= 0xa1 && c <= 0xdf: // half-width katakana
			case (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc):
				if i+1 < len(b) && b[i+1] >= 0x40 && b[i+1] <= 0xfc && b[i+1] != 0x7f {
					i++
				} else {
					bad++
				}
			default:
				bad++
			}
			continue
		}
		switch {
		case c == 0x8e:
			if i+1 < len(b) && b[i+1] >= 0xa1 && b[i+1] <= 0xdf {
				i++
			} else {
				bad++
			}
		case c == 0x8f:
			if i+2 < len(b) && b[i+1] >= 0xa1 && b[i+1] <= 0xfe && b[i+2] >= 0xa1 && b[i+2] <= 0xfe {
				i += 2
			} else {
				bad++
			}
		case c >= 0xa1 && c <= 0xfe:
			if i+1 < len(b) && b[i+1] >= 0xa1 && b[i+1] <= 0xfe {
				i++
			} else {
				bad++
			}
		default:
			bad++
		}
	}
	return bad
}

// eucLikely breaks the tie when bytes are valid in both: EUC-JP hiragana
// start with 0xA4 and katakana with 0xA5, which in Shift_JIS would be a
// run of half-width katakana, rare in mail.
func eucLikely(b []byte) bool {
	kana := 0
	pairs := 0
	for i := 0; i+1 < len(b); i++ {
		if b[i] >= 0xa1 && b[i] <= 0xfe && b[i+1] >= 0xa1 && b[i+1] <= 0xfe {
			pairs++
			if b[i] == 0xa4 || b[i] == 0xa5 {
				kana++
			}
			i++
		}
	}
	return pairs > 0 && kana*4 >= pairs
}

// decodeHeader turns a raw header value into text: raw 8-bit or
// ISO-2022-JP bytes (common from old Japanese mailers and spam) are
// sniffed, then RFC 2047 encoded words are decoded. Adjacent encoded
// words in one charset are joined before charset decoding, because
// mailers split multi-byte characters across words.
func decodeHeader(raw string) string {
	if !isASCII([]byte(raw)) || strings.ContainsRune(raw, 0x1b) {
		if utf8.ValidString(raw) {
			// UTF-8 headers (RFC 6532) are kept as they are.
		} else {
			raw, _ = sniffDecode([]byte(raw))
		}
		if strings.ContainsRune(raw, 0x1b) {
			raw = decodeISO2022JP([]byte(raw))
		}
	}
	if !strings.Contains(raw, "=?") {
		return raw
	}
	return decodeEncodedWords(raw)
}

type encodedWord struct {
	start, end int
	charset    string
	data       []byte
}

// decodeEncodedWords is lenient where mail is: words glued to text,
// unknown encodings left as they are, lower-case b/q, bad padding.
func decodeEncodedWords(s string) string {
	var words []encodedWord
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			break
		}
		j += i
		w, ok := parseEncodedWord(s, j)
		if !ok {
			i = j + 2
			continue
		}
		words = append(words, w)
		i = w.end
	}
	if len(words) == 0 {
		return s
	}
	var out strings.Builder
	pos := 0
	for k := 0; k < len(words); {
		w := words[k]
		out.WriteString(s[pos:w.start])
		data := append([]byte(nil), w.data...)
		end := w.end
		n := k + 1
		for n < len(words) && strings.TrimSpace(s[end:words[n].start]) == "" && strings.EqualFold(words[n].charset, w.charset) {
			data = append(data, words[n].data...)
			end = words[n].end
			n++
		}
		text, _, _ := decodeText(data, w.charset)
		if w.charset == "" {
			text, _ = sniffDecode(data)
		}
		out.WriteString(text)
		pos = end
		// Whitespace between encoded words of different charsets is
		// dropped too (RFC 2047 §6.2).
		if n < len(words) && strings.TrimSpace(s[end:words[n].start]) == "" {
			pos = words[n].start
		}
		k = n
	}
	out.WriteString(s[pos:])
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return -1
		}
		return r
	}, out.String())
}

func parseEncodedWord(s string, at int) (encodedWord, bool) {
	rest := s[at+2:]
	q1 := strings.IndexByte(rest, '?')
	if q1 <= 0 || q1 > 60 || q1+2 >= len(rest) || rest[q1+2] != '?' {
		return encodedWord{}, false
	}
	cs := rest[:q1]
	if k := strings.IndexByte(cs, '*'); k >= 0 { // RFC 2231 language suffix
		cs = cs[:k]
	}
	enc := rest[q1+1]
	body := rest[q1+3:]
	// Words are at most 75 bytes by RFC 2047; broken mailers write longer
	// ones, but a bound keeps a header full of "=?" linear.
	e := strings.Index(body[:min(len(body), 2048)], "?=")
	if e < 0 {
		return encodedWord{}, false
	}
	payload := body[:e]
	if strings.ContainsAny(payload, " \t\r\n") && (enc == 'B' || enc == 'b') {
		payload = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, payload)
	}
	var data []byte
	switch enc {
	case 'B', 'b':
		d, err := lenientBase64([]byte(payload))
		if err != nil && len(d) == 0 {
			return encodedWord{}, false
		}
		data = d
	case 'Q', 'q':
		data = decodeQWord(payload)
	default:
		return encodedWord{}, false
	}
	end := at + 2 + q1 + 3 + e + 2
	return encodedWord{start: at, end: end, charset: cs, data: data}, true
}

func decodeQWord(p string) []byte {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			out = append(out, unhex(p[i+1])<<4|unhex(p[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// lenientBase64 skips characters outside the alphabet and decodes what it
// can; err says the input was damaged (bad characters or a cut quantum).
func lenientBase64(b []byte) ([]byte, error) {
	clean := make([]byte, 0, len(b))
	damaged := false
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+') // URL-safe alphabet
		case c == '_':
			clean = append(clean, '/')
		case c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n':
		default:
			damaged = true
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
		damaged = true
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		damaged = true
	}
	if damaged {
		return out[:n], errBadBase64
	}
	return out[:n], nil
}
