package correlate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SubjectTemplate reduces a subject to what stays the same across one
// lure sent many times: attackers number their invoices, date their
// notices and greet each recipient by name, and members' gateways tag
// what they receive. The steps, in order:
//
//  1. invalid UTF-8 dropped, control characters made spaces, NFKC (so
//     full-width letters, digits and brackets become ASCII, half-width
//     katakana full-width), runs of white space made one space;
//  2. reply and forward prefixes removed from the start, repeatedly
//     (Re:, RE[2]:, Fw:, Fwd:, AW:, WG:, TR:, RV:, SV:, VS:, 返信:, 転送:),
//     and receiving gateways' tags from either end ([EXTERNAL], [外部],
//     【外部メール】, [SPAM], [迷惑メール], [meiwaku], ***SPAM*** and the
//     like, see receiverTags);
//  3. e-mail addresses (the sanitiser's recipient-…@redacted.invalid
//     included) → "@", anything in angle brackets → "<>", the
//     sanitiser's name pseudonyms ([recipient-3f9a2b1c04de]) → "*";
//  4. names → "*": the words before an honorific (山田太郎様, 山田 太郎 様,
//     ヤマダ様, ABC株式会社 御中, さま, さん, 殿) — not words such as
//     仕様 or 同様 —, and capitalised words after Dear, Hi, Hello, Attn or
//     Attention;
//  5. numbers → "#": every run of ASCII letters and digits that holds a
//     digit (48213, No.48213 → no.#, INV-2024-0012 → inv-#-#, 3rd, Q4,
//     a pseudonym like r7f3a9), kanji numerals before 年, 月, 日, 回,
//     号 or 件 or after 第, and English month and weekday names, so
//     every date (2024/03/15, 3月15日, 三月, March 15) is the same;
//  6. lower case, white space collapsed again, cut to 300 bytes.
//
// The two reminders "【重要】3月分請求書のご確認（No.48213）" and
// "【重要】4月分請求書のご確認（No.99120）" both become
// "【重要】#月分請求書のご確認(no.#)".
func SubjectTemplate(subject string) string {
	s := strings.ToValidUTF8(subject, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = collapseSpace(norm.NFKC.String(s))
	s = stripMarkers(s)
	rs := []rune(s)
	rs = replaceAddresses(rs)
	rs = replaceNames(rs)
	rs = replaceNumbers(rs)
	s = strings.ToLower(string(rs))
	// Lower-casing can leave text NFKC would change again (İ → i̇);
	// once more keeps the template a fixed point.
	s = norm.NFKC.String(s)
	s = collapseSpace(s)
	return strings.TrimSpace(truncate(s, maxTemplate))
}

// replyPrefixes are compared in lower case, without the colon.
var replyPrefixes = [...]string{"re", "fw", "fwd", "aw", "wg", "tr", "rv", "sv", "vs", "返信", "転送", "回复", "转发"}

// receiverTags are marks members' own gateways add, in lower case
// without their brackets.
var receiverTags = [...]string{
	"external", "ext", "外部", "外部メール", "社外", "社外メール", "外部からのメール",
	"spam", "suspected spam", "possible spam", "probable spam", "spam?", "迷惑メール", "迷惑", "meiwaku",
	"要注意", "caution: external", "warning: external",
}

// stripMarkers removes reply prefixes from the front and gateway tags
// from both ends until none is left.
func stripMarkers(s string) string {
	for {
		t := strings.TrimSpace(s)
		if r, ok := cutReplyPrefix(t); ok {
			s = r
			continue
		}
		if r, ok := cutTag(t, true); ok {
			s = r
			continue
		}
		if r, ok := cutTag(t, false); ok {
			s = r
			continue
		}
		return t
	}
}

// cutReplyPrefix removes "Re:", "RE[2]:", "Re(3):", "転送:" and the like.
func cutReplyPrefix(s string) (string, bool) {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || colon > 16 {
		return s, false
	}
	word := strings.ToLower(strings.TrimSpace(s[:colon]))
	if i := strings.IndexAny(word, "[("); i > 0 && strings.Trim(word[i:], "[]()0123456789") == "" {
		word = word[:i]
	}
	for _, p := range replyPrefixes {
		if word == p {
			return s[colon+1:], true
		}
	}
	return s, false
}

var tagBrackets = [...][2]string{{"[", "]"}, {"【", "】"}, {"(", ")"}, {"***", "***"}, {"**", "**"}, {"<<", ">>"}}

// cutTag removes one gateway tag at the start (front) or end of s.
func cutTag(s string, front bool) (string, bool) {
	for _, br := range tagBrackets {
		var inner, rest string
		if front {
			if !strings.HasPrefix(s, br[0]) {
				continue
			}
			end := strings.Index(s[len(br[0]):], br[1])
			if end < 0 {
				continue
			}
			inner, rest = s[len(br[0]):len(br[0])+end], s[len(br[0])+end+len(br[1]):]
		} else {
			if !strings.HasSuffix(s, br[1]) || len(s) < len(br[0])+len(br[1]) {
				continue
			}
			body := s[:len(s)-len(br[1])]
			start := strings.LastIndex(body, br[0])
			if start < 0 {
				continue
			}
			inner, rest = body[start+len(br[0]):], body[:start]
		}
		tag := strings.ToLower(strings.TrimSpace(inner))
		for _, t := range receiverTags {
			if tag == t {
				return rest, true
			}
		}
	}
	return s, false
}

// replaceAddresses turns e-mail addresses into "@", angle-bracketed
// text (at most 64 characters) into "<>", and the mail sanitiser's name
// pseudonyms ("[recipient-3f9a2b1c04de]", package mailparse) into "*".
func replaceAddresses(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		if n := namePseudonymAt(rs, i); n > 0 {
			out = append(out, '*')
			i += n - 1
			continue
		}
		if rs[i] == '<' {
			j := i + 1
			for j < len(rs) && j-i <= 65 && rs[j] != '>' && rs[j] != '<' {
				j++
			}
			if j < len(rs) && rs[j] == '>' && j-i <= 65 {
				out = append(out, '<', '>')
				i = j
				continue
			}
		}
		if rs[i] == '@' {
			// Walk back over the local part already copied and forward
			// over the domain.
			k := len(out)
			for k > 0 && addrLocal(out[k-1]) {
				k--
			}
			j := i + 1
			for j < len(rs) && addrDomain(rs[j]) {
				j++
			}
			for j > i+1 && rs[j-1] == '.' {
				j--
			}
			if k < len(out) && j > i+1 && strings.ContainsRune(string(rs[i+1:j]), '.') {
				out = append(out[:k], '@')
				i = j - 1
				continue
			}
		}
		out = append(out, rs[i])
	}
	return out
}

// namePseudonymAt returns the length of a sanitiser's name pseudonym at
// i: "recipient-" and six or more hex digits, in brackets or not, not
// part of an address.
func namePseudonymAt(rs []rune, i int) int {
	const word = "recipient-"
	j := i
	if j < len(rs) && rs[j] == '[' {
		j++
	}
	if j+len(word) > len(rs) || strings.ToLower(string(rs[j:j+len(word)])) != word || i > 0 && addrLocal(rs[i-1]) {
		return 0
	}
	j += len(word)
	k := j
	for k < len(rs) && (rs[k] >= '0' && rs[k] <= '9' || rs[k] >= 'a' && rs[k] <= 'f' || rs[k] >= 'A' && rs[k] <= 'F') {
		k++
	}
	if k-j < 6 || k < len(rs) && (rs[k] == '@' || isAlnum(rs[k])) {
		return 0
	}
	if rs[i] == '[' {
		if k >= len(rs) || rs[k] != ']' {
			return 0
		}
		k++
	}
	return k - i
}

func addrLocal(r rune) bool {
	return r < utf8.RuneSelf && (isAlnum(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r))
}

func addrDomain(r rune) bool { return r < utf8.RuneSelf && (isAlnum(r) || r == '.' || r == '-') }

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// honorifics follow a name. さん also ends たくさん; the name before it
// must be kanji, katakana or Latin, so hiragana words are never taken.
var honorifics = [...]string{"御中", "さま", "さん", "様", "殿"}

// notNames are kanji that form ordinary words with 様 (仕様, 同様, 模様…).
const notNames = "仕同模異多一有態紋文"

// greetings precede a name in English subjects.
var greetings = [...]string{"dear", "hi", "hello", "attn", "attention"}

// replaceNames turns the name before an honorific, and the capitalised
// words after a greeting, into "*".
func replaceNames(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		if h := honorificAt(rs, i); h > 0 {
			k := nameStart(out)
			if k < len(out) {
				out = append(out[:k], '*')
			}
			out = append(out, rs[i:i+h]...)
			i += h - 1
			continue
		}
		if n := greetingAt(rs, i); n > 0 {
			out = append(out, rs[i:i+n]...)
			if end, ok := capitalisedAfter(rs, i+n); ok {
				out = append(out, ' ', '*')
				i = end - 1
			} else {
				i += n - 1
			}
			continue
		}
		out = append(out, rs[i])
	}
	return out
}

func honorificAt(rs []rune, i int) int {
	for _, h := range honorifics {
		hr := []rune(h)
		if i+len(hr) > len(rs) || string(rs[i:i+len(hr)]) != h {
			continue
		}
		if h == "様" && i+1 < len(rs) && unicode.Is(unicode.Han, rs[i+1]) {
			return 0 // 様式, 様子
		}
		if h == "様" && i > 0 && strings.ContainsRune(notNames, rs[i-1]) {
			return 0
		}
		if h == "殿" && i+1 < len(rs) && unicode.Is(unicode.Han, rs[i+1]) {
			return 0 // 殿堂
		}
		return len(hr)
	}
	return 0
}

// nameStart returns where the name ending out begins: up to three runs
// of kanji, katakana or Latin letters, next to each other or separated
// by single spaces, with one optional space before the honorific.
// len(out) means no name. A run before the last joins the name only if
// it could be part of one: short, and not a lure's own words
// (請求書送付 山田様 keeps 請求書送付, so 請求書 and 見積書 lures stay apart).
func nameStart(out []rune) int {
	k := len(out)
	if k > 0 && out[k-1] == ' ' {
		k--
	}
	start := len(out)
	for runs := 0; runs < 3; runs++ {
		j := k
		class := 0
		for j > 0 {
			c := nameClass(out[j-1])
			if c == 0 || class != 0 && c != class {
				break
			}
			class = c
			j--
		}
		if j == k || runs > 0 && !namePart(out[j:k], class) {
			break
		}
		start, k = j, j
		switch {
		case k >= 1 && nameClass(out[k-1]) != 0: // 株式会社ABC, 山田タロウ
		case k >= 2 && out[k-1] == ' ' && nameClass(out[k-2]) != 0: // 山田 太郎
			k--
		default:
			return start
		}
	}
	return start
}

// namePart reports whether a run before a name's last one can belong to
// the name: at most four kanji or ten other characters, and not ending
// in a word lures are made of.
func namePart(run []rune, class int) bool {
	if class == 1 && len(run) > 4 || len(run) > 10 {
		return false
	}
	w := string(run)
	for _, suffix := range lureWords {
		if strings.HasSuffix(w, suffix) {
			return false
		}
	}
	return true
}

// lureWords end the phrases a lure puts before the addressee: documents
// (請求書), notices (お知らせ, 通知), actions asked (確認, 変更, 更新).
var lureWords = []string{"書", "通知", "知らせ", "確認", "変更", "更新", "送付", "凍結", "停止", "請求", "案内", "連絡",
	"依頼", "手続", "手続き", "登録", "認証", "期限", "配送", "発送", "支払", "入金", "返金", "重要", "緊急", "至急",
	"警告", "解除", "制限", "再設定", "パスワード", "アカウント", "メール", "ログイン", "セキュリティ"}

// nameClass is 1 for kanji (and 々), 2 for katakana (and ー), 3 for
// Latin letters, digits, dots and hyphens (ABC, example.co.jp), else 0.
func nameClass(r rune) int {
	switch {
	case unicode.Is(unicode.Han, r):
		return 1
	case unicode.Is(unicode.Katakana, r) || r == 'ー' || r == '・':
		return 2
	case isAlnum(r) || r == '.' || r == '-' || r == '&':
		return 3
	}
	return 0
}

// greetingAt reports the length of a greeting word at i: at a word
// start, followed by a space, a comma or a colon.
func greetingAt(rs []rune, i int) int {
	if i > 0 && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1])) {
		return 0
	}
	for _, g := range greetings {
		n := len(g)
		if i+n >= len(rs) || strings.ToLower(string(rs[i:i+n])) != g {
			continue
		}
		if c := rs[i+n]; c == ' ' || c == ',' || c == ':' {
			return n
		}
	}
	return 0
}

// capitalisedAfter passes the separators after a greeting and up to
// three capitalised words, and returns where they end.
func capitalisedAfter(rs []rune, i int) (int, bool) {
	j := i
	for j < len(rs) && (rs[j] == ' ' || rs[j] == ',' || rs[j] == ':') {
		j++
	}
	end := 0
	for words := 0; words < 3 && j < len(rs) && unicode.IsUpper(rs[j]); words++ {
		for j < len(rs) && (unicode.IsLetter(rs[j]) || rs[j] == '\'' || rs[j] == '-' || rs[j] == '.') {
			j++
		}
		end = j
		if j+1 >= len(rs) || rs[j] != ' ' || !unicode.IsUpper(rs[j+1]) {
			break
		}
		j++
	}
	return end, end > 0
}

// kanjiDigits are the numerals of dates and counts written in kanji.
const kanjiDigits = "〇一二三四五六七八九十百千万零"

// kanjiCounters follow a kanji number in dates and counts.
const kanjiCounters = "年月日回号件"

// monthsAndDays are English month and weekday names and their common
// abbreviations, lower case.
var monthsAndDays = [...]string{
	"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
	"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}

// replaceNumbers turns numbers, dates and month or weekday names into "#".
func replaceNumbers(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); {
		if isAlnum(rs[i]) {
			j, digit := i, false
			for j < len(rs) && isAlnum(rs[j]) {
				digit = digit || rs[j] >= '0' && rs[j] <= '9'
				j++
			}
			word := strings.ToLower(string(rs[i:j]))
			if digit || isMonthOrDay(word) {
				out = append(out, '#')
			} else {
				out = append(out, rs[i:j]...)
			}
			i = j
			continue
		}
		if strings.ContainsRune(kanjiDigits, rs[i]) {
			j := i
			for j < len(rs) && strings.ContainsRune(kanjiDigits, rs[j]) {
				j++
			}
			after := j < len(rs) && strings.ContainsRune(kanjiCounters, rs[j])
			before := len(out) > 0 && out[len(out)-1] == '第'
			if after || before {
				out = append(out, '#')
				i = j
				continue
			}
		}
		out = append(out, rs[i])
		i++
	}
	return out
}

func isMonthOrDay(w string) bool {
	for _, m := range monthsAndDays {
		if w == m {
			return true
		}
	}
	return false
}
