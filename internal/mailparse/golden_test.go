package mailparse

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// The corpus's member: example.jp, on Microsoft 365, whose own mail
// servers sit in 192.0.2.0/24.
func testBoundary() Boundary {
	return Boundary{Hosts: []string{"example.jp", "jpnprd01.prod.outlook.com", "mail.protection.outlook.com"}, Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
}

func testSanitizeOptions() SanitizeOptions {
	return SanitizeOptions{
		Key:           []byte("golden-test-key-0123456789abcdef"),
		Boundary:      testBoundary(),
		Reporter:      []string{"i.suzuki@example.jp", "鈴木 一郎"},
		MemberDomains: []string{"example.jp"},
	}
}

// golden is what a golden file holds: the command's record, the decoded
// bodies (where charset mistakes show), and the sanitised version with
// its redaction list.
type golden struct {
	Parsed        *Message    `json:"parsed"`
	Text          string      `json:"text"`
	HTML          string      `json:"html"`
	AttachedText  []string    `json:"attached_text,omitempty"`
	Sanitized     *Message    `json:"sanitized"`
	SanitizedText string      `json:"sanitized_text"`
	SanitizedHTML string      `json:"sanitized_html"`
	Headers       []Header    `json:"sanitized_headers"`
	Redactions    []Redaction `json:"redactions"`
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/mails/*.eml")
	if err != nil || len(files) < 12 {
		t.Fatalf("corpus: %v, %d mails", err, len(files))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(bytes.NewReader(raw), Options{Boundary: testBoundary()})
			if err != nil {
				t.Fatal(err)
			}
			m.File = filepath.Base(path)
			s, err := Sanitize(m, testSanitizeOptions())
			if err != nil {
				t.Fatal(err)
			}
			g := golden{Parsed: m, Text: m.Text, HTML: m.HTML, Sanitized: s.Message, SanitizedText: s.Message.Text,
				SanitizedHTML: s.Message.HTML, Headers: s.Message.Headers, Redactions: s.Redactions}
			for _, a := range m.Attached {
				g.AttachedText = append(g.AttachedText, a.Text)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			want := filepath.Join("testdata/golden", name+".json")
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("output differs from %s (run go test -run Golden -update and review the diff):\n%s", want, firstDiff(string(exp), string(got)))
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strings.TrimSpace(itoaTest(i+1)) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

func itoaTest(n int) string { b, _ := json.Marshal(n); return string(b) }
