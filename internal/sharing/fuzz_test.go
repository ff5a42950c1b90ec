package sharing

import (
	"strings"
	"testing"
)

// FuzzParseBoundary: a member's boundary text never panics, and what it
// accepts reads back the same (hosts lower case and without a leading
// dot, prefixes masked).
func FuzzParseBoundary(f *testing.F) {
	for _, s := range []string{"mx.example.jp\n192.0.2.0/24", ".example.jp\r\n# comment\n2001:db8::1", "exa_mple.jp", "300.1.1.1/8", "", "\n\n", "a.b\nc.d\n198.51.100.7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hosts, nets, err := ParseBoundary(s)
		if err != nil {
			return
		}
		again := strings.Join(hosts, "\n")
		for _, n := range nets {
			again += "\n" + n.String()
		}
		h2, n2, err := ParseBoundary(again)
		if err != nil || len(h2) != len(hosts) || len(n2) != len(nets) {
			t.Fatalf("%q accepted but its stored form %q is not: %v", s, again, err)
		}
		for _, h := range hosts {
			if h != strings.ToLower(h) || strings.HasPrefix(h, ".") {
				t.Fatalf("host %q not normalised", h)
			}
		}
	})
}

// FuzzLooksLikeMail: the upload check never panics on any bytes.
func FuzzLooksLikeMail(f *testing.F) {
	f.Add([]byte(sampleMail))
	f.Add([]byte("\xff\xd8\xff\xe0JFIF"))
	f.Add([]byte("%PDF-1.7\n"))
	f.Add([]byte("From: a\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		looksLikeMail(b)
	})
}
