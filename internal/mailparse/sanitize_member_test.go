package mailparse

import (
	"strings"
	"testing"
)

// The member's kana name, its phone and fax numbers in their written
// forms and names fused into words or file names never reach members
// (issue 11, point 7).
func TestSanitizeMemberIdentity(t *testing.T) {
	m := &Message{
		To:      []Address{{Name: "Taro Yamada", Address: "t.yamada@yamada-seiki.example.jp"}},
		Subject: "ﾔﾏﾀﾞｾｲｷ 御中 ご請求",
		Text: "ヤマダセイキ御中\nDear Taro Yamada,\n" +
			"Please ask TYamada to call us back at 03-1234-5678, 0312345678, 03(1234)5678, (03) 1234-5678,\n" +
			"+81-3-1234-5678, +81 (0)3 1234 5678, ０３－１２３４－５６７８ or ０３ー１２３４ー５６７９ (fax).\n" +
			"やまだせいき様の口座\n" +
			"Visit Yamadaya, our shop, or TYAMADA.\n",
		HTML:        `<a href="tel:+81312345678">電話</a> <a href="https://evil.example/cb?tel=0312345678&amp;lang=ja">x</a>`,
		Attachments: []Attachment{{Name: "Invoice_TYamadaSeiki.pdf.exe"}, {Name: "Invoice_T_Yamada_Seiki.pdf.exe"}, {Name: "yamada-seiki_見積.xlsm"}},
	}
	opts := SanitizeOptions{Key: []byte("0123456789abcdef0123"),
		Organisations: []string{"株式会社山田精機", "Yamada Seiki Co., Ltd.", "ヤマダセイキ"},
		Phones:        []string{"03-1234-5678", "０３（１２３４）５６７９"}}
	s, err := Sanitize(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := shared(t, s.Message)
	for _, a := range s.Message.Attachments {
		out += "\n" + a.Name
	}
	for _, leak := range []string{"ヤマダセイキ", "ﾔﾏﾀﾞｾｲｷ", "やまだせいき", "1234-5678", "12345678", "1234)5678", "1234 5678",
		"１２３４", "TYamada", "Seiki", "seiki"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q reached members:\n%s", leak, out)
		}
	}
	for _, kept := range []string{"Yamadaya", "TYAMADA", "lang=ja", "[phone]"} {
		if !strings.Contains(out, kept) {
			t.Errorf("%q was removed:\n%s", kept, out)
		}
	}
	if !strings.Contains(s.Message.Text, "ask T[recipient-") {
		t.Errorf("fused name: %s", s.Message.Text)
	}
	// Longer numbers holding the member's digits are someone else's.
	other := "Order 031234567890, ref 3-1234-5678, tel 03-1234-56789."
	c, _ := Sanitize(&Message{Text: other}, opts)
	if c.Message.Text != other {
		t.Errorf("other numbers changed: %s", c.Message.Text)
	}
	kinds := map[string]bool{}
	for _, r := range s.Redactions {
		kinds[r.Kind] = true
	}
	if !kinds[KindPhone] || !kinds[KindOrganisation] {
		t.Errorf("redaction kinds %v", kinds)
	}
}

func TestPhoneTargets(t *testing.T) {
	for in, want := range map[string]string{
		"03-1234-5678":       "0312345678",
		"+81-3-1234-5678":    "0312345678",
		"+81 (0)3 1234 5678": "0312345678",
		"００８１３１２３４５６７８":      "0312345678",
		"（０３）１２３４－５６７８":      "0312345678",
	} {
		if got := phoneTargets(in); len(got) == 0 || got[0] != want {
			t.Errorf("%s: %v", in, got)
		}
	}
	if got := phoneTargets("110"); got != nil {
		t.Errorf("a short number is matched: %v", got)
	}
}

// Pseudonyms are numbered per share: one map numbers the texts of one
// share alike, and a second share starts again at 1.
func TestNumberPseudonyms(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	a, b := Pseudonym(key, "t.yamada@example.jp"), Pseudonym(key, "h.sato@example.jp")
	tagA := "[" + strings.TrimSuffix(a, "@"+redactedDomain) + "]"
	one := map[string]int{}
	got := NumberPseudonyms(`{"to":"`+b+`","text":"`+tagA+`様 `+a+` `+b+`"}`, one)
	if want := `{"to":"recipient-1@redacted.invalid","text":"[recipient-2]様 recipient-2@redacted.invalid recipient-1@redacted.invalid"}`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := NumberPseudonyms("again "+a, one); got != "again recipient-2@redacted.invalid" {
		t.Fatalf("same share: %s", got)
	}
	if got := NumberPseudonyms(a, map[string]int{}); got != "recipient-1@redacted.invalid" {
		t.Fatalf("another share: %s", got)
	}
	for _, s := range []string{"recipient-1@redacted.invalid", "xrecipient-0123456789ab", "recipient-0123456789abc", "recipient-0123456789AB"} {
		if got := NumberPseudonyms(s, map[string]int{}); got != s {
			t.Errorf("%s became %s", s, got)
		}
	}
}

// A long run of numbers is matched in chunks: numbers across a chunk's
// edge and after a long digit string are still found, and the work is
// one pass with a bounded buffer.
func TestPhoneSpansLongRuns(t *testing.T) {
	pm := newPhoneMatcher(phoneTargets("03-1234-0007"))
	if n := len(phoneSpans(strings.Repeat("03-1234-0007 ", 3000), pm)); n != 3000 {
		t.Fatalf("%d of 3000 found", n)
	}
	if n := len(phoneSpans(strings.Repeat("1", 1500)+" 03-1234-0007", pm)); n != 1 {
		t.Fatalf("%d found after a long digit string", n)
	}
	if n := len(phoneSpans(strings.Repeat("1", 1500)+"03-1234-0007", pm)); n != 0 {
		t.Fatalf("%d found inside a longer number", n)
	}
	body := strings.Repeat("0-", 1<<17)
	if a := testing.AllocsPerRun(3, func() { phoneSpans(body, pm) }); a > 50 {
		t.Fatalf("%v allocations for 256 KB", a)
	}
}

// A keyed pseudonym after an escape (JSON's \u003c, a link's %3C or %5B)
// is numbered: it was left for the letter before it.
func TestNumberPseudonymsAfterAnEscape(t *testing.T) {
	in := `{"v":"Taro \u003crecipient-abcdef012345@redacted.invalid\u003e","u":"https://x.example/?to=%3Crecipient-abcdef012345%40redacted.invalid%3E&n=%5Brecipient-0123456789ab%5D"}`
	out := NumberPseudonyms(in, map[string]int{})
	want := `{"v":"Taro \u003crecipient-1@redacted.invalid\u003e","u":"https://x.example/?to=%3Crecipient-1%40redacted.invalid%3E&n=%5Brecipient-2%5D"}`
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

// A report that is the member's own forward of the lure (forwarded as an
// attachment, saved from the reporter's mailbox) carries the member's
// mail client in its X-Mailer, down to the build: the same in every
// share the member makes that way, and shown to members. A mail from a
// member address that crossed no boundary (every hop inside, or none)
// was written inside the member, and its X-Mailer is removed; a lure
// spoofing a member address came from outside and keeps its own.
func TestSanitizeDropsTheMembersOwnMailer(t *testing.T) {
	forward := "Received: from ws-0147.yamada-seiki.example.jp ([10.41.7.23]) by exch07.yamada-seiki.example.jp; Thu, 26 Nov 2026 09:20:00 +0900\r\n" +
		"From: Taro Yamada <t.yamada@yamada-seiki.example.jp>\r\nTo: csirt@yamada-seiki.example.jp\r\nSubject: FW: invoice\r\n" +
		"X-Mailer: Microsoft Outlook 16.0.17928.20114\r\nDate: Thu, 26 Nov 2026 09:20:00 +0900\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsuspicious\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" +
		"Received: from mail.evil-invoice.example (mail.evil-invoice.example [203.0.113.77]) by mx.yamada-seiki.example.jp; Thu, 26 Nov 2026 09:12:00 +0900\r\n" +
		"From: Billing <billing@evil-invoice.example>\r\nTo: t.yamada@yamada-seiki.example.jp\r\nSubject: invoice\r\nX-Mailer: Lure 1.0\r\n" +
		"Date: Thu, 26 Nov 2026 09:11:00 +0900\r\n\r\nPay now.\r\n--b--\r\n"
	spoof := "Received: from mail.evil-invoice.example (mail.evil-invoice.example [203.0.113.77]) by mx.yamada-seiki.example.jp; Thu, 26 Nov 2026 09:12:00 +0900\r\n" +
		"From: CEO <ceo@yamada-seiki.example.jp>\r\nTo: t.yamada@yamada-seiki.example.jp\r\nSubject: urgent\r\nX-Mailer: Lure 2.0\r\n" +
		"Date: Thu, 26 Nov 2026 09:11:00 +0900\r\n\r\nPay now.\r\n"
	opts := SanitizeOptions{Key: []byte("0123456789abcdef0123"), MemberDomains: []string{"yamada-seiki.example.jp"}}
	parse := func(raw string) *Message {
		m, err := ParseBytes([]byte(raw), Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := Sanitize(m, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s.Message
	}
	f := parse(forward)
	if f.XMailer != "" || strings.Contains(mustJSON(t, f), "17928") {
		t.Errorf("the member's own mailer reached members: %q", f.XMailer)
	}
	if len(f.Attached) != 1 || f.Attached[0].XMailer != "Lure 1.0" {
		t.Errorf("the lure's mailer was lost: %+v", f.Attached)
	}
	if s := parse(spoof); s.XMailer != "Lure 2.0" {
		t.Errorf("a lure spoofing a member address lost its mailer: %q", s.XMailer)
	}
}
