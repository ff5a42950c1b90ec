package mailparse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
)

func sjisBytes(s string) string { b, _ := japanese.ShiftJIS.NewEncoder().String(s); return b }
func eucBytes(s string) string  { b, _ := japanese.EUCJP.NewEncoder().String(s); return b }
func jisBytes(s string) string  { b, _ := japanese.ISO2022JP.NewEncoder().String(s); return b }

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shared is everything of a sanitised message that leaves the member:
// the record, the bodies and the headers.
func shared(t testing.TB, m *Message) string {
	var b strings.Builder
	var walk func(m *Message)
	walk = func(m *Message) {
		b.WriteString(mustJSON(t, m))
		b.WriteString(m.Text)
		b.WriteString(m.HTML)
		b.WriteString(mustJSON(t, m.Headers))
		for _, a := range m.Attached {
			walk(a)
		}
	}
	walk(m)
	return b.String()
}

// TestSanitizeLeavesNoIdentity runs the whole corpus through Sanitize and
// searches everything shared for every recipient address and name, the
// reporter's identity and the member's domain.
func TestSanitizeLeavesNoIdentity(t *testing.T) {
	files, _ := filepath.Glob("testdata/mails/*.eml")
	opts := testSanitizeOptions()
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseBytes(raw, Options{Boundary: testBoundary()})
		if err != nil {
			t.Fatal(err)
		}
		s, err := Sanitize(m, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := strings.ToLower(shared(t, s.Message))
		forbidden := []string{"t.yamada", "h.sato", "k.takasaki", "i.suzuki", "keiri@", "accounting@", "山田", "太郎", "佐藤", "花子",
			"髙﨑", "鈴木", "一郎", "yamada", "hanako", "taro", "@example.jp", "mx1.example.jp", "192.0.2.10", "エグザンプル", "株式会社サンプル"}
		for _, f := range forbidden {
			if strings.Contains(out, strings.ToLower(f)) {
				i := strings.Index(out, strings.ToLower(f))
				t.Errorf("%s: %q survives sanitising: …%s…", filepath.Base(p), f, out[max(0, i-60):min(len(out), i+60)])
			}
		}
		if s.Message.To != nil || s.Message.Cc != nil || strings.Contains(mustJSON(t, s.Message), `"to":`) {
			t.Errorf("%s: to/cc still in the shared record", filepath.Base(p))
		}
		// The original is untouched.
		if len(m.To) == 0 && !strings.Contains(p, "14-") {
			t.Errorf("%s: Sanitize changed its input", filepath.Base(p))
		}
	}
}

func TestPseudonyms(t *testing.T) {
	k1, k2 := []byte("key-one-0123456789abcdef"), []byte("key-two-0123456789abcdef")
	a := Pseudonym(k1, "T.Yamada@Example.JP")
	if a != Pseudonym(k1, "t.yamada@example.jp") {
		t.Fatal("pseudonym depends on case")
	}
	if a == Pseudonym(k2, "t.yamada@example.jp") {
		t.Fatal("same pseudonym under another key")
	}
	if a == Pseudonym(k1, "h.sato@example.jp") {
		t.Fatal("two recipients share a pseudonym")
	}
	if !strings.HasPrefix(a, "recipient-") || !strings.HasSuffix(a, "@redacted.invalid") || len(a) != len("recipient-")+12+len("@redacted.invalid") {
		t.Fatalf("pseudonym shape %q", a)
	}
	// Across two reports, the same recipient links.
	raw1, _ := os.ReadFile("testdata/mails/01-iso2022jp-delivery.eml")
	raw2, _ := os.ReadFile("testdata/mails/05-html-only.eml")
	m1, _ := ParseBytes(raw1, Options{})
	m2, _ := ParseBytes(raw2, Options{})
	s1, _ := Sanitize(m1, SanitizeOptions{Key: k1})
	s2, _ := Sanitize(m2, SanitizeOptions{Key: k1})
	s3, _ := Sanitize(m2, SanitizeOptions{Key: k2})
	if len(s1.Message.Recipients) != 1 || s1.Message.Recipients[0] != s2.Message.Recipients[0] {
		t.Fatalf("same recipient, different pseudonyms: %v %v", s1.Message.Recipients, s2.Message.Recipients)
	}
	if s2.Message.Recipients[0] == s3.Message.Recipients[0] {
		t.Fatal("pseudonym did not change with the key")
	}
	if _, err := Sanitize(m1, SanitizeOptions{Key: []byte("short")}); err != ErrShortKey {
		t.Fatalf("short key: %v", err)
	}
}

func TestSanitizeBoundaryCutAndTimes(t *testing.T) {
	raw, _ := os.ReadFile("testdata/mails/13-long-received.eml")
	m, err := ParseBytes(raw, Options{Boundary: testBoundary()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Sanitize(m, testSanitizeOptions())
	if err != nil {
		t.Fatal(err)
	}
	hops := s.Message.Received
	if len(hops) == 0 || hops[0].FromIP != "203.0.113.9" || hops[0].ByHost != "boundary.redacted.invalid" {
		t.Fatalf("first kept hop: %+v", hops)
	}
	for _, h := range hops {
		if strings.Contains(h.FromHost+h.ByHost, "outlook.com") || strings.HasPrefix(h.FromIP, "192.0.2.") {
			t.Errorf("hop inside the boundary kept: %+v", h)
		}
		if tm, err := time.Parse(time.RFC3339, h.Time); err != nil || tm.Minute() != 0 || tm.Second() != 0 {
			t.Errorf("hop time not on the hour: %q", h.Time)
		}
	}
	if tm, err := time.Parse(time.RFC3339, s.Message.Date); err != nil || tm.Minute() != 0 || tm.Second() != 0 {
		t.Errorf("date not on the hour: %q", s.Message.Date)
	}
	if strings.Join(s.Message.SendingIPs, ",") != "203.0.113.9,198.51.100.77,2001:db8:5::77" {
		t.Errorf("sending IPs: %v", s.Message.SendingIPs)
	}
	names := map[string]bool{}
	for _, h := range s.Message.Headers {
		names[strings.ToLower(h.Name)] = true
		if strings.EqualFold(h.Name, "DKIM-Signature") && strings.Contains(h.Value, "d=example.jp") {
			t.Error("the receiver's DKIM signature was kept")
		}
	}
	for _, gone := range []string{"authentication-results", "received-spf", "x-ms-exchange-organization-scl", "x-forefront-antispam-report", "x-microsoft-antispam", "arc-seal", "x-proofpoint-spam-details", "x-ironport-av", "x-virus-scanned"} {
		if names[gone] {
			t.Errorf("%s kept", gone)
		}
	}
	if !names["dkim-signature"] || !names["x-originating-ip"] {
		t.Error("the sender's own headers were dropped")
	}
	kinds := map[string]int{}
	for _, r := range s.Redactions {
		kinds[r.Kind]++
	}
	for _, k := range []string{KindReceivedHop, KindReceivedBy, KindReceivedFor, KindHeader, KindTime, KindRecipientAddress} {
		if kinds[k] == 0 {
			t.Errorf("no %s redaction listed", k)
		}
	}
}

func TestSanitizeURLTokens(t *testing.T) {
	m := &Message{
		To:   []Address{{Name: "Taro Yamada", Address: "t.yamada@example.jp"}},
		URLs: []string{},
		Text: "Dear Mr Yamada,\nlogin: https://evil.example/login?email=t.yamada%40example.jp&lang=ja\n" +
			"b64: https://evil.example/r?d=dC55YW1hZGFAZXhhbXBsZS5qcA&campaign=spring\n" +
			"tok: https://evil.example/c?x=Zq81LmPo92XcVb74NaTe&page=2\n" +
			"frag: https://evil.example/o365#t.yamada@example.jp\n" +
			"path: https://evil.example/u/t.yamada@example.jp/start\n" +
			"defanged: hxxps://evil[.]example/p?id=8f3Kz9QpL2mX7vB4c1\n" +
			"plain: https://evil.example/about?page=2\n" +
			"hex: https://evil.example/download?t=8f3a9c2b7d6e&lang=ja\n" +
			"uuid: https://evil.example/x?r=3f2a1c4e-9b7d-4e21-a0c3-5d6e7f8a9b0c&v=1.2.10\n" +
			"num: https://evil.example/n?uid2=1234567890&date=20261126&campaign=spring2024\n",
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	want := "Dear Mr [recipient-"
	got := s.Message.Text
	for _, w := range []string{want, "https://evil.example/login?lang=ja\n", "https://evil.example/r?campaign=spring\n", "https://evil.example/c?page=2\n",
		"https://evil.example/o365\n", "https://evil.example/u/redacted/start\n", "hxxps://evil[.]example/p\n", "https://evil.example/about?page=2\n",
		"https://evil.example/download?lang=ja\n", "https://evil.example/x?v=1.2.10\n", "https://evil.example/n?date=20261126&campaign=spring2024\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("sanitised text lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(strings.ToLower(got), "yamada") || strings.Contains(got, "Zq81") || strings.Contains(got, "dC55") ||
		strings.Contains(got, "8f3a") || strings.Contains(got, "3f2a") || strings.Contains(got, "12345") {
		t.Errorf("identity or token survives:\n%s", got)
	}
}

func TestGreetings(t *testing.T) {
	for _, c := range []struct {
		body string
		want []string
	}{
		{"山田様\n\nいつも", []string{"山田"}},
		{"株式会社サンプル 経理部 山田 太郎 様\n", []string{"株式会社サンプル 経理部 山田 太郎"}},
		{"お客様各位\nお知らせ", nil},
		{"皆様\nお知らせ", nil},
		{"Dear Mr Yamada,\nplease", []string{"Yamada"}},
		{"Dear Customer,\n", nil},
		{"Hi Taro,\n", []string{"Taro"}},
		{"Hello Yamada-san,\n", []string{"Yamada"}},
		{"Dear Sir or Madam,\n", nil},
		{"Dear Microsoft 365 User,\n", nil},
		{"経理部 山田部長\nお世話になります", []string{"経理部 山田"}},
		{"山田様、佐藤様\n", []string{"山田", "佐藤"}},
		{"ヤマダ タロウ様 請求書", []string{"ヤマダ タロウ"}},
		{"【重要】山田様 請求書", []string{"山田"}},
		{"【山田様】お見積り", []string{"山田"}},
		{"Dear Amazon Customer,\n", nil},
		{"本文だけです。\n", nil},
	} {
		got := greetingNames(c.body)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q want %q", c.body, got, c.want)
		}
	}
}

func FuzzSanitizeText(f *testing.F) {
	f.Add("山田様 https://x.example/?email=t.yamada@example.jp Dear Mr Yamada", "t.yamada@example.jp", "山田 太郎")
	f.Add("<a href='hxxp://a[.]b/?t=ABCDEFGHIJ0123456789'>x</a>", "a@b.example", "Taro")
	key := []byte("fuzz-key-0123456789abcdef")
	f.Fuzz(func(t *testing.T, text, addr, name string) {
		m := &Message{To: []Address{{Name: name, Address: addr}}, Text: text, HTML: text, Subject: text}
		s, err := Sanitize(m, SanitizeOptions{Key: key, Reporter: []string{"reporter@example.jp"}})
		if err != nil {
			t.Fatal(err)
		}
		la := strings.ToLower(strings.TrimSpace(addr))
		if len(la) >= 6 && strings.Contains(la, "@") && !strings.ContainsAny(la, "<>&\"' \t\r\n") && validAddressForTest(la) {
			for _, field := range []string{s.Message.Text, s.Message.Subject} {
				if containsWholeAddress(strings.ToLower(field), la) {
					t.Fatalf("address %q survives in %q", addr, field)
				}
			}
		}
	})
}

func validAddressForTest(a string) bool {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || !validHostname(domain) || strings.Contains(domain, "@") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if !isLocalByte(local[i]) {
			return false
		}
	}
	return true
}

// containsWholeAddress finds addr not embedded in a longer address.
func containsWholeAddress(s, addr string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], addr)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(addr)
		if (at == 0 || !isLocalByte(s[at-1])) && (end == len(s) || !isHostByte(s[end])) {
			return true
		}
		i = at + 1
	}
}

// Without a declared boundary, the hops on the receiving side still say
// who received the mail: hosts under the recipients' domains are hidden,
// the receiving side's internal relaying is dropped, and a public address
// claiming a receiving-side name keeps its address but not the name.
func TestSanitizeHidesRecipientSideHosts(t *testing.T) {
	raw := "Received: from mail2.example.jp (mail2.example.jp [10.1.2.3]) by mbox.example.jp with ESMTP id a1; Tue, 22 Apr 2025 17:20:30 +0900\r\n" +
		"Received: from mx1.example.jp ([203.0.113.9]) by mx2.example.jp with ESMTP id a0; Tue, 22 Apr 2025 17:20:20 +0900\r\n" +
		"Received: from mail.quote-example.co.jp (mail.quote-example.co.jp [198.51.100.130]) by mx1.mail.example.jp with ESMTPS id z9; Tue, 22 Apr 2025 17:20:11 +0900\r\n" +
		"From: 営業部 <tanaka@quote-example.co.jp>\r\nTo: h.sato@sub.example.jp\r\nSubject: quote\r\nDate: Tue, 22 Apr 2025 17:20:00 +0900\r\n\r\nbody\r\n"
	m, err := ParseBytes([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, h := range s.Message.Received {
		all.WriteString(h.Raw + "\n")
	}
	for _, h := range s.Message.Headers {
		all.WriteString(h.Name + ": " + h.Value + "\n")
	}
	got := all.String()
	for _, gone := range []string{"example.jp", "mail2.", "mbox.", "mx2.", "10.1.2.3"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q survives:\n%s", gone, got)
		}
	}
	for _, kept := range []string{"mail.quote-example.co.jp", "198.51.100.130", "203.0.113.9"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q was removed:\n%s", kept, got)
		}
	}
	if len(s.Message.Received) != 2 {
		t.Errorf("hops kept: %d, want 2 (the internal relay dropped)", len(s.Message.Received))
	}
}

func TestOrganisationForms(t *testing.T) {
	for name, want := range map[string]string{
		"会員A電機株式会社":              "会員A電機株式会社|会員A電機|会員Ａ電機株式会社|会員Ａ電機",
		"株式会社 山田精機":              "株式会社 山田精機|山田精機|株式会社山田精機",
		"㈱サンプル":                  "(株)サンプル|サンプル|ｻﾝﾌﾟﾙ|さんぷる",
		"Yamada Seiki Co., Ltd.": "Yamada Seiki Co., Ltd.|Yamada Seiki|YamadaSeiki|Yamada_Seiki|Yamada-Seiki|Yamada.Seiki",
		"Incubate Japan Inc.":    "Incubate Japan Inc.|Incubate Japan|IncubateJapan|Incubate_Japan|Incubate-Japan|Incubate.Japan",
		"ABC Inc":                "ABC Inc|ABCInc|ABC_Inc|ABC-Inc|ABC.Inc",
		"ヤマダ セイキ":                "ヤマダ セイキ|ヤマダセイキ|ﾔﾏﾀﾞ ｾｲｷ|ﾔﾏﾀﾞｾｲｷ|やまだ せいき|やまだせいき",
		"カブシキガイシャヤマダセイキ":         "カブシキガイシャヤマダセイキ|ヤマダセイキ|ｶﾌﾞｼｷｶﾞｲｼｬﾔﾏﾀﾞｾｲｷ|かぶしきがいしゃやまだせいき|ﾔﾏﾀﾞｾｲｷ|やまだせいき",
		"一般社団法人 日本セキュリティ協会":      "一般社団法人 日本セキュリティ協会|日本セキュリティ協会|一般社団法人日本セキュリティ協会",
		"": "",
	} {
		if got := strings.Join(organisationForms(name), "|"); got != want {
			t.Errorf("organisationForms(%q) = %q, want %q", name, got, want)
		}
	}
	m := &Message{To: []Address{{Address: "h.sato@example.jp"}},
		Subject: "【会員Ａ電機株式会社 山田部長】お見積り", Text: "会員A電機株式会社 御中\n㈱会員A電機の皆様へ\nYamada Seiki Co., Ltd. and Ltd. partners"}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123"), Organisations: []string{"会員A電機株式会社", "Yamada Seiki Co., Ltd."}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Message.Subject + "\n" + s.Message.Text
	if strings.Contains(got, "会員A電機") || strings.Contains(got, "Yamada Seiki") || !strings.Contains(got, "[organisation]") || !strings.Contains(got, "Ltd. partners") {
		t.Fatalf("organisation names:\n%s", got)
	}
}

// A recipient is named by more than the whole address: the local part and
// its parts, in the subject, a greeting or a bounce address, and the
// recipients' own domain (a lure "from" their helpdesk, linking to their
// portal). A shared mail provider's domain is nobody's, and a sender there
// stays an indicator.
func TestSanitizeLocalPartsAndRecipientDomain(t *testing.T) {
	m := &Message{
		To:         []Address{{Address: "taro.yamada@example.co.jp"}, {Address: "info@example.co.jp"}},
		From:       []Address{{Name: "Helpdesk", Address: "helpdesk@example.co.jp"}},
		ReturnPath: "bounces+taro.yamada=example.co.jp@mailer.evil.test",
		Subject:    "[example.co.jp] taro.yamada: your mailbox is full",
		Text:       "Dear taro.yamada,\nYamada様\nhttps://portal.example.co.jp/reset and our info desk in Tokyo\n",
		URLs:       []string{"https://portal.example.co.jp/reset"},
		// The receiving side's own trace: its server took the mail last.
		Received: []Hop{{FromHost: "mail.evil.test", FromIP: "198.51.100.7", ByHost: "mx1.example.co.jp"}},
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	out := s.Message
	all := strings.ToLower(out.Subject + "\n" + out.Text + "\n" + out.ReturnPath + "\n" + out.From[0].Address + "\n" + strings.Join(out.URLs, " "))
	for _, gone := range []string{"taro", "yamada", "example.co.jp", "helpdesk@"} {
		if strings.Contains(all, gone) {
			t.Errorf("%q survives:\n%s", gone, all)
		}
	}
	for _, kept := range []string{"mailer.evil.test", "info desk in tokyo", "your mailbox is full"} {
		if !strings.Contains(all, kept) {
			t.Errorf("%q was removed:\n%s", kept, all)
		}
	}

	// Bulk phishing "To" the attacker's own address, victims in Bcc: the
	// To domain is no evidence of the member, and the attacker's domain,
	// sender and links stay indicators.
	b := &Message{
		To: []Address{{Address: "billing@evil-kaisha.example"}}, From: []Address{{Address: "billing@evil-kaisha.example"}},
		Text: "https://www.evil-kaisha.example/invoice.zip", URLs: []string{"https://www.evil-kaisha.example/invoice.zip"},
		Received: []Hop{{FromHost: "mail.evil-kaisha.example", FromIP: "198.51.100.9", ByHost: "mx.victim.co.jp"}},
		Headers:  []Header{{Name: "Delivered-To", Value: "keiri@victim.co.jp"}},
	}
	bs, err := Sanitize(b, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	if bs.Message.From[0].Address != "billing@evil-kaisha.example" || bs.Message.URLs[0] != "https://www.evil-kaisha.example/invoice.zip" ||
		bs.Message.Received[0].FromHost != "mail.evil-kaisha.example" || bs.Message.Received[0].ByHost != "boundary.redacted.invalid" {
		t.Fatalf("bulk phishing: %+v %q %+v", bs.Message.From, bs.Message.URLs, bs.Message.Received)
	}

	g := &Message{To: []Address{{Address: "t.yamada.1980@gmail.com"}}, From: []Address{{Address: "attacker.jp@gmail.com"}}, Text: "Hi t.yamada.1980"}
	gs, err := Sanitize(g, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	if gs.Message.From[0].Address != "attacker.jp@gmail.com" || strings.Contains(gs.Message.Text, "yamada") {
		t.Fatalf("free mail: from %q, text %q", gs.Message.From[0].Address, gs.Message.Text)
	}
}

func TestLocalForms(t *testing.T) {
	for addr, want := range map[string]string{
		"taro.yamada@example.jp":  "taro.yamada|taro|yamada",
		"info@example.jp":         "",
		"t.yamada.1980@gmail.com": "t.yamada.1980|yamada",
		"sales-tokyo@example.jp":  "sales-tokyo",
		"yamada@example.jp":       "yamada",
		"abc@example.jp":          "",
		"abe@example.jp":          "abe",
		"web@example.jp":          "",
		"t.abe@example.jp":        "t.abe",
	} {
		if got := strings.Join(localForms(addr), "|"); got != want {
			t.Errorf("localForms(%q) = %q, want %q", addr, got, want)
		}
	}
}

// No boundary declared, a gateway in front of internal Exchange servers:
// the internal hops and the gateway's address do not reach the share,
// the attacker's hop and address do.
func TestSanitizeInternalChainWithoutBoundary(t *testing.T) {
	raw := "Received: from exch01.kaiin-a.local ([10.20.1.5]) by exch02.kaiin-a.local with ESMTP; Tue, 22 Apr 2025 17:20:30 +0900\r\n" +
		"Received: from gw.kaiin-a-denki.com (gw.kaiin-a-denki.com [133.242.10.20]) by exch01.kaiin-a.local with ESMTP; Tue, 22 Apr 2025 17:20:20 +0900\r\n" +
		"Received: from mail.evil.example (mail.evil.example [198.51.100.20]) by gw.kaiin-a-denki.com with ESMTPS; Tue, 22 Apr 2025 17:20:11 +0900\r\n" +
		"From: a@evil.example\r\nTo: t.yamada@kaiin-a.co.jp\r\nSubject: x\r\nDate: Tue, 22 Apr 2025 17:20:00 +0900\r\n\r\nbody\r\n"
	m, err := ParseBytes([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	hops := s.Message.Received
	if len(hops) != 1 || hops[0].FromIP != "198.51.100.20" || hops[0].FromHost != "mail.evil.example" || hops[0].ByHost != "boundary.redacted.invalid" {
		t.Fatalf("hops %+v", hops)
	}
	if strings.Join(s.Message.SendingIPs, ",") != "198.51.100.20" {
		t.Fatalf("sending IPs %q", s.Message.SendingIPs)
	}
}

// Forms found in review: a recipient as a bare query, as padded base64,
// as hex in the path; the reporter who is also the recipient; a
// generic English greeting that is no name.
func TestSanitizeReviewedLeaks(t *testing.T) {
	const addr = "t.yamada@kaiin-a.co.jp"
	b64 := "dC55YW1hZGFAa2FpaW4tYS5jby5qcA==" // base64 of addr
	hx := ""
	for _, c := range []byte(addr) {
		hx += string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
	}
	urls := []string{
		"https://evil.example/index.php?" + addr,
		"https://evil.example/r?" + b64,
		"https://evil.example/p/" + hx + "/x",
		"https://evil.example/owa/i.suzuki/login",
	}
	m := &Message{
		To:      []Address{{Address: addr}, {Address: "i.suzuki@kaiin-a.co.jp"}},
		From:    []Address{{Address: "no-reply@microsoft-365-verify.example"}},
		Subject: "i.suzuki: your mailbox is full",
		Text:    "Dear Microsoft 365 User,\nHello i.suzuki,\n" + strings.Join(urls, "\n") + "\n",
		URLs:    urls,
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123"), Reporter: []string{"i.suzuki@kaiin-a.co.jp", "鈴木 一郎"}})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.ToLower(s.Message.Subject + "\n" + s.Message.Text + "\n" + strings.Join(s.Message.URLs, "\n"))
	for _, gone := range []string{"yamada", b64[:12], hx[:12], "suzuki"} {
		if strings.Contains(all, strings.ToLower(gone)) {
			t.Errorf("%q survives:\n%s", gone, all)
		}
	}
	if s.Message.From[0].Address != "no-reply@microsoft-365-verify.example" || !strings.Contains(all, "dear microsoft 365 user") {
		t.Errorf("a generic greeting was taken for a name: %q\n%s", s.Message.From[0].Address, all)
	}
}

// A hijacked thread quotes the member's people: header lines and an
// attribution line name them. The quoted attacker stays.
func TestSanitizeQuotedThread(t *testing.T) {
	body := "先日の件、修正版をお送りします。\n\n" +
		"-----Original Message-----\n" +
		"From: 佐藤 花子 <h.sato@kaiin-a.co.jp>\n" +
		"Sent: Tuesday, April 22, 2025 5:20 PM\n" +
		"To: 営業部 田中 <tanaka@quote-example.co.jp>\n" +
		"Cc: 高橋 健一 <k.takahashi@kaiin-a.co.jp>; 経理部 伊藤\n" +
		"Subject: RE: 見積書\n\n" +
		"On Tue, Apr 22, 2025 at 5:00 PM, Hanako Sato <h.sato@kaiin-a.co.jp> wrote:\n> よろしくお願いします。\n"
	m := &Message{
		To:       []Address{{Address: "h.sato@kaiin-a.co.jp"}},
		From:     []Address{{Name: "営業部 田中", Address: "tanaka@quote-example.co.jp"}},
		Text:     body,
		Received: []Hop{{FromHost: "mail.quote-example.co.jp", FromIP: "198.51.100.130", ByHost: "mx1.kaiin-a.co.jp"}},
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Message.Text
	for _, gone := range []string{"佐藤", "花子", "高橋", "健一", "伊藤", "Hanako", "Sato", "kaiin-a"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q survives:\n%s", gone, got)
		}
	}
	if !strings.Contains(got, "tanaka@quote-example.co.jp") || s.Message.From[0].Name != "営業部 田中" {
		t.Errorf("the quoted attacker was removed:\n%s", got)
	}
}

// Cases a review of this stop's own changes found.
func TestSanitizeDiffReviewCases(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	// A Delivered-To the sender wrote into the mail (below the Received
	// lines) is no evidence of the receiving side.
	raw := "Received: from mail.evil.example (mail.evil.example [198.51.100.20]) by mx.victim.co.jp; Tue, 22 Apr 2025 17:20:11 +0900\r\n" +
		"From: billing@evil.example\r\nTo: keiri@victim.co.jp\r\nDelivered-To: x@evil.example\r\nSubject: pay\r\nDate: Tue, 22 Apr 2025 17:20:00 +0900\r\n\r\nhttps://evil.example/pay\r\n"
	m, _ := ParseBytes([]byte(raw), Options{})
	s, _ := Sanitize(m, SanitizeOptions{Key: key})
	if s.Message.From[0].Address != "billing@evil.example" || !slices.Contains(s.Message.URLs, "https://evil.example/pay") || len(s.Message.Received) != 1 {
		t.Errorf("a forged Delivered-To hid the sender: %+v %q %+v", s.Message.From, s.Message.URLs, s.Message.Received)
	}
	// With a boundary, an edge server with an internal name keeps the
	// attacker's hop and address.
	raw = "Received: from mail.evil.example (198.51.100.20) by EDGE01.contoso.local (10.0.0.5); Tue, 22 Apr 2025 17:20:11 +0900\r\n" +
		"From: a@evil.example\r\nTo: b@contoso.co.jp\r\nSubject: x\r\nDate: Tue, 22 Apr 2025 17:20:00 +0900\r\n\r\nx\r\n"
	b, _ := ParseBoundary("contoso.local")
	m, _ = ParseBytes([]byte(raw), Options{Boundary: b})
	s, _ = Sanitize(m, SanitizeOptions{Key: key, Boundary: b})
	if len(s.Message.Received) != 1 || strings.Join(s.Message.SendingIPs, ",") != "198.51.100.20" {
		t.Errorf("edge hop: %+v %q", s.Message.Received, s.Message.SendingIPs)
	}
	// Brackets after a name belong to it; a line "To: <link>" in prose
	// is no quoted header.
	m = &Message{To: []Address{{Address: "t.yamada@victim.co.jp"}}, Text: "山田太郎（経理部）様\nTo: https://evil.example/login\nTo: All Staff\n"}
	s, _ = Sanitize(m, SanitizeOptions{Key: key})
	if strings.Contains(s.Message.Text, "山田") || !strings.Contains(s.Message.Text, "https://evil.example/login") || !strings.Contains(s.Message.Text, "All Staff") {
		t.Errorf("text:\n%s", s.Message.Text)
	}
}

func TestEximBracketedHelo(t *testing.T) {
	h, _ := parseReceived("from [198.51.100.20] (port=54321 helo=[10.0.0.1]) by mx.example.jp with esmtp (Exim 4.96); Tue, 1 Apr 2025 01:00:00 +0000")
	if h.FromIP != "198.51.100.20" {
		t.Fatalf("ip %q", h.FromIP)
	}
}

// A name fused into a file name is found there too.
func TestSanitizeFusedFileNames(t *testing.T) {
	m := &Message{
		To:          []Address{{Name: "Taro Yamada", Address: "t.yamada@kaiin-a.co.jp"}},
		Attachments: []Attachment{{Name: "Invoice_TYamada_KaiinA.pdf"}, {Name: "report.zip", Entries: []Attachment{{Name: "for-yamada-taro.docx"}}}},
		Text:        "Visit Yamadaya, our shop.",
	}
	s, err := Sanitize(m, SanitizeOptions{Key: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Message.Attachments[0].Name; strings.Contains(strings.ToLower(n), "yamada") {
		t.Errorf("attachment %q", n)
	}
	if n := s.Message.Attachments[1].Entries[0].Name; strings.Contains(strings.ToLower(n), "yamada") {
		t.Errorf("entry %q", n)
	}
	if !strings.Contains(s.Message.Text, "Yamadaya") {
		t.Errorf("prose changed: %q", s.Message.Text)
	}
}
