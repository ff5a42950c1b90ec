package mailparse

import (
	"slices"
	"strings"
	"testing"
)

// Internationalised hosts are kept, in their xn-- form; Japanese text
// running on from a URL is not taken into it.
func TestInternationalisedURLs(t *testing.T) {
	body := "ログインはこちら https://аpple.com/login?x=1 から\r\n" + // Cyrillic а
		"お知らせ https://日本語.jp/お知らせ\r\n" +
		"詳細はhttps://example.jpからご確認ください。\r\n" +
		"または https://日本語.jpへアクセス\r\n" +
		"http://bücher.de/ と https://ex.invalidです\r\n"
	html := `<a href="https://раypal.com/verify">https://paypal.com/verify</a>`
	mail := "From: a@example.jp\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--b--\r\n"
	m, err := ParseBytes([]byte(mail), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"https://xn--pple-43d.com/login?x=1",
		"https://xn--wgv71a119e.jp/",
		"https://example.jp",
		"https://xn--wgv71a119e.jp",
		"http://xn--bcher-kva.de/", "https://ex.invalid",
		"https://xn--ypal-43d9g.com/verify",
		"https://paypal.com/verify",
	} {
		if !slices.Contains(m.URLs, want) {
			t.Errorf("URL %q missing from %q", want, m.URLs)
		}
	}
	for _, u := range m.URLs {
		if !asciiText(u) || strings.Contains(u, "から") {
			t.Errorf("URL %q carries text that is not its own", u)
		}
	}
	for _, d := range []string{"xn--pple-43d.com", "xn--wgv71a119e.jp", "xn--ypal-43d9g.com"} {
		if !slices.Contains(m.Domains, d) {
			t.Errorf("domain %q missing from %q", d, m.Domains)
		}
	}
}

func TestMetaRefreshForms(t *testing.T) {
	for _, content := range []string{`0;URL='https://evil.example/r1'`, `0; url="https://evil.example/r1"`, `5 ; URL = https://evil.example/r1`, `0;url=https://evil.example/r1`} {
		mail := "From: a@example.jp\r\nSubject: t\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<meta http-equiv=\"refresh\" content=\"" + strings.ReplaceAll(content, `"`, "&quot;") + "\">\r\n"
		m, err := ParseBytes([]byte(mail), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(m.URLs, "https://evil.example/r1") {
			t.Errorf("content %q: urls %q", content, m.URLs)
		}
	}
}

func TestNotAddresses(t *testing.T) {
	var x indicators
	x.scanEmails("<img src=\"cid:image001.png@01DA83F2.1A2B3C40\"> https://www.bank.co.jp@evil.example/login and real.person@example.co.jp")
	if len(x.emails) != 1 || x.emails[0] != "real.person@example.co.jp" {
		t.Fatalf("emails %q", x.emails)
	}
}
