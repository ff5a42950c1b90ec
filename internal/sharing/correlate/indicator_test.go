package correlate

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		kind      Kind
		in, want  string // want "" means refused
		wantError string
	}{
		// Sender: lower case, IDNA domain, brackets and spaces trimmed.
		{Sender, "Taro.Yamada@Example.CO.JP", "taro.yamada@example.co.jp", ""},
		{Sender, " <info@例え.テスト> ", "info@xn--r8jz45g.xn--zckzah", ""},
		{Sender, "billing@ＥＸＡＭＰＬＥ．ｃｏｍ", "billing@example.com", ""},
		{Sender, "\"odd@local\"@example.com", "\"odd@local\"@example.com", ""},
		{Sender, "no-at-sign.example.com", "", "no @"},
		{Sender, "@example.com", "", "local part"},
		{Sender, "a b@example.com", "", "space"},
		{Sender, "user@localhost", "", "two or more labels"},
		{Sender, strings.Repeat("a", 65) + "@example.com", "", "local part"},
		{Sender, "", "", "no @"},
		// Sending IP: canonical, public only.
		{SendingIP, "203.0.113.7", "203.0.113.7", ""},
		{SendingIP, "[198.51.100.20]", "198.51.100.20", ""},
		{SendingIP, "::ffff:198.51.100.20", "198.51.100.20", ""},
		{SendingIP, "2001:DB8:0:0::1", "2001:db8::1", ""},
		{SendingIP, "IPv6:2001:db8::25", "2001:db8::25", ""},
		{SendingIP, "192.168.1.10", "", "not a public address"},
		{SendingIP, "10.0.0.1", "", "not a public address"},
		{SendingIP, "127.0.0.1", "", "not a public address"},
		{SendingIP, "100.64.1.1", "", "not a public address"},
		{SendingIP, "fe80::1%eth0", "", "zone"},
		{SendingIP, "fd00::1", "", "not a public address"},
		{SendingIP, "203.0.113.300", "", "not an IP"},
		{SendingIP, "mail.example.com", "", "not an IP"},
		// URL host: IDNA ASCII, lower case, IP literals canonical.
		{URLHost, "Login.Example.COM", "login.example.com", ""},
		{URLHost, "例え.テスト", "xn--r8jz45g.xn--zckzah", ""},
		{URLHost, "XN--R8JZ45G.jp", "xn--r8jz45g.jp", ""},
		{URLHost, "bücher.de.", "xn--bcher-kva.de", ""},
		{URLHost, "my_site.example.com", "my_site.example.com", ""},
		{URLHost, "[2001:db8::1]", "2001:db8::1", ""},
		{URLHost, "198.51.100.7", "198.51.100.7", ""},
		{URLHost, "intranet", "", "two or more labels"},
		{URLHost, "a..example.com", "", "not a valid host"},
		{URLHost, "exa mple.com", "", "not allowed"},
		{URLHost, "evil.com/path", "", "not allowed"},
		{URLHost, "999.1.1.1", "", "not an IP"},
		{URLHost, "xn--zz.com", "", "not a valid host"},
		{URLHost, strings.Repeat("a.", 127) + "com", "", "not a valid host"},
		// Attachment hash: lower-case hex, 64 digits, not the empty file.
		{AttachmentSHA256, strings.ToUpper(sha), sha, ""},
		{AttachmentSHA256, " " + sha + "\n", sha, ""},
		{AttachmentSHA256, sha[:63], "", "64 hex"},
		{AttachmentSHA256, sha[:63] + "g", "", "64 hex"},
		{AttachmentSHA256, strings.ToUpper(emptySHA256), "", "empty file"},
		// X-Mailer and template.
		{MailerSubject, "Microsoft Outlook 16.0\x00【重要】#月分請求書のご確認(no.#)", "Microsoft Outlook 16.0\x00【重要】#月分請求書のご確認(no.#)", ""},
		{MailerSubject, "  Foxmail   7.2 \x00 invoice  # ", "Foxmail 7.2\x00invoice #", ""},
		{MailerSubject, "Foxmail", "", "no NUL"},
		{MailerSubject, "\x00invoice", "", "empty"},
		{MailerSubject, "Foxmail\x00invoice\x00x", "", "control"},
		{MailerSubject, "Foxmail\x00" + strings.Repeat("x", 301), "", "too long"},
		// Kinds stored elsewhere.
		{"reply_to", "a@example.com", "", "unknown kind"},
		{"domain", "example.com", "", "unknown kind"},
	} {
		got, err := Indicator{tc.kind, tc.in}.Normalize()
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantError) {
				t.Errorf("%s %q: got %q, %v; want refusal mentioning %q", tc.kind, tc.in, got.Value, err, tc.wantError)
			}
			continue
		}
		if err != nil || got != (Indicator{tc.kind, tc.want}) {
			t.Errorf("%s %q: got %+v, %v; want %q", tc.kind, tc.in, got, err, tc.want)
			continue
		}
		if again, err := got.Normalize(); err != nil || again != got {
			t.Errorf("%s %q: not a fixed point: %+v, %v", tc.kind, tc.in, again, err)
		}
	}
}

func TestClean(t *testing.T) {
	ok, refused := Clean([]Indicator{
		{URLHost, "Evil.Example"}, {URLHost, "evil.example"}, {SendingIP, "10.1.1.1"}, {Sender, "A@Evil.Example"},
	})
	if len(ok) != 2 || ok[0] != (Indicator{URLHost, "evil.example"}) || ok[1] != (Indicator{Sender, "a@evil.example"}) {
		t.Errorf("kept %v", ok)
	}
	if len(refused) != 1 || !errors.Is(refused[0], ErrInvalid) {
		t.Errorf("refused %v", refused)
	}
}

func TestMailerSubjectOf(t *testing.T) {
	a, ok := MailerSubjectOf("Microsoft Outlook 16.0", "【重要】3月分請求書のご確認（No.48213）")
	b, ok2 := MailerSubjectOf(" Microsoft  Outlook 16.0 ", "RE: 【重要】4月分請求書のご確認（No.99120）")
	if !ok || !ok2 || a != b || a.Kind != MailerSubject {
		t.Fatalf("%+v %v, %+v %v", a, ok, b, ok2)
	}
	if a.Value != "Microsoft Outlook 16.0\x00【重要】#月分請求書のご確認(no.#)" {
		t.Errorf("value %q", a.Value)
	}
	if _, ok := MailerSubjectOf("", "請求書"); ok {
		t.Error("no X-Mailer gave an indicator")
	}
	if _, ok := MailerSubjectOf("Foxmail", " \t"); ok {
		t.Error("empty subject gave an indicator")
	}
	if in, ok := MailerSubjectOf(strings.Repeat("m", 500), strings.Repeat("件名", 500)); !ok || len(in.Value) > maxMailer+1+maxTemplate {
		t.Errorf("long parts: %v, %d bytes", ok, len(in.Value))
	}
}

func TestStoreKey(t *testing.T) {
	for _, in := range []Indicator{{MailerSubject, "X\x00t"}, {Sender, "a:b@example.com"}, {URLHost, "example.com"}} {
		if k := storeKey(in); strings.ContainsRune(k, 0) || fromStoreKey(k) != in {
			t.Errorf("%+v → %q → %+v", in, k, fromStoreKey(k))
		}
	}
}
