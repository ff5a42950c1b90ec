package totp

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the RFC 6238 Appendix B SHA-1 seed "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestCodeRFC6238Vectors(t *testing.T) {
	// Appendix B gives 8-digit codes; these are their last 6 digits.
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := Code(rfcSecret, time.Unix(tt.unix, 0))
		if err != nil {
			t.Fatalf("Code(T=%d): %v", tt.unix, err)
		}
		if got != tt.want {
			t.Errorf("Code(T=%d) = %s; want %s", tt.unix, got, tt.want)
		}
		step, ok := Validate(rfcSecret, tt.want, time.Unix(tt.unix, 0), 0)
		if !ok || step != tt.unix/Period {
			t.Errorf("Validate(T=%d, %s) = %d, %v; want %d, true", tt.unix, tt.want, step, ok, tt.unix/Period)
		}
	}
}

func TestSecretDecodingIsLenient(t *testing.T) {
	want, _ := Code(rfcSecret, time.Unix(59, 0))
	for _, s := range []string{
		strings.ToLower(rfcSecret),
		"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
		"gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
		rfcSecret + "====", // padded forms from other systems
	} {
		got, err := Code(s, time.Unix(59, 0))
		if err != nil || got != want {
			t.Errorf("Code(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
}

func TestCodeRejectsBadInput(t *testing.T) {
	for name, s := range map[string]string{
		"empty":        "",
		"not base32":   "not-base32!",
		"digits 0/1/8": "01890189018901890189018901890189",
		"too short":    base32.StdEncoding.EncodeToString(make([]byte, 10)),
	} {
		if code, err := Code(s, time.Unix(59, 0)); err == nil {
			t.Errorf("Code(%s secret %q) = %q, nil; want error", name, s, code)
		}
		if _, ok := Validate(s, "000000", time.Unix(59, 0), 0); ok {
			t.Errorf("Validate accepted %s secret %q", name, s)
		}
	}
	if _, err := Code(rfcSecret, time.Unix(-1, 0)); err == nil {
		t.Error("Code before the epoch: want error")
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if a == b {
		t.Fatalf("NewSecret returned the same secret twice: %s", a)
	}
	if len(a) != 32 || strings.ContainsAny(a, "=") || strings.ToUpper(a) != a {
		t.Errorf("NewSecret = %q; want 32 upper-case base32 chars without padding", a)
	}
	key, err := decodeSecret(a)
	if err != nil || len(key) != 20 {
		t.Errorf("decodeSecret(NewSecret()) = %d bytes, %v; want 20 bytes", len(key), err)
	}
}

func TestValidateSkew(t *testing.T) {
	now := time.Unix(1_700_000_015, 0) // mid-step
	step := now.Unix() / Period
	at := func(s int64) string {
		c, err := Code(rfcSecret, time.Unix(s*Period, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for delta := int64(-3); delta <= 3; delta++ {
		got, ok := Validate(rfcSecret, at(step+delta), now, 0)
		wantOK := delta >= -1 && delta <= 1
		if ok != wantOK {
			t.Errorf("step offset %d: ok = %v; want %v", delta, ok, wantOK)
		}
		if ok && got != step+delta {
			t.Errorf("step offset %d: matched step %d; want %d", delta, got, step+delta)
		}
	}
}

func TestValidateReplay(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	code, _ := Code(rfcSecret, now)
	step, ok := Validate(rfcSecret, code, now, 0)
	if !ok {
		t.Fatal("first use rejected")
	}
	if _, ok := Validate(rfcSecret, code, now, step); ok {
		t.Error("same code accepted twice")
	}
	// A later step being used invalidates still-in-window earlier codes.
	prev, _ := Code(rfcSecret, now.Add(-Period*time.Second))
	if _, ok := Validate(rfcSecret, prev, now, step); ok {
		t.Error("earlier code accepted after a later one was used")
	}
	// The next step's code is still fine.
	next, _ := Code(rfcSecret, now.Add(Period*time.Second))
	if got, ok := Validate(rfcSecret, next, now, step); !ok || got != step+1 {
		t.Errorf("next code: got %d, %v; want %d, true", got, ok, step+1)
	}
}

func TestValidateCodeFormats(t *testing.T) {
	now := time.Unix(1111111109, 0) // code 081804
	tests := []struct {
		code string
		ok   bool
	}{
		{"081804", true},
		{"081 804", true},
		{" 081804 ", true},
		{"0 8 1 8 0 4", true},
		{"081\t804", true},
		{"０８１８０４", true},  // full-width digits
		{"０８１　８０４", true}, // ideographic space
		{"81804", false},
		{"0081804", false},
		{"081-804", false},
		{"08180a", false},
		{"", false},
		{"      ", false},
		{"081804\x00", false},
		{"٠٨١٨٠٤", false}, // Arabic-Indic digits are not folded
		{strings.Repeat(" ", 100) + "081804", false},
	}
	for _, tt := range tests {
		if _, ok := Validate(rfcSecret, tt.code, now, 0); ok != tt.ok {
			t.Errorf("Validate(%q) ok = %v; want %v", tt.code, ok, tt.ok)
		}
	}
}

func TestURI(t *testing.T) {
	got := URI("Mamori", "alice@example.jp", "JBSWY3DPEHPK3PXP")
	want := "otpauth://totp/Mamori:alice%40example.jp?secret=JBSWY3DPEHPK3PXP&issuer=Mamori&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("URI =\n %s\nwant\n %s", got, want)
	}

	if got := URI("", "alice", "JBSWY3DPEHPK3PXP"); got != "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30" {
		t.Errorf("URI without issuer = %s", got)
	}
}

func TestURIEscaping(t *testing.T) {
	issuer := "Mamori Corp: 守り&Co+?#/"
	account := "山田 太郎:x+y@example.jp"
	got := URI(issuer, account, "JBSWY3DPEHPK3PXP")

	if strings.Contains(got, "+") {
		t.Errorf("URI contains a raw '+', which apps may show as-is: %s", got)
	}
	if strings.Count(got, ":") != 2 { // scheme and label separator only
		t.Errorf("URI has unescaped ':' in issuer or account: %s", got)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", got, err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("scheme/host = %q/%q", u.Scheme, u.Host)
	}
	label, err := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/"))
	if err != nil {
		t.Fatal(err)
	}
	if want := issuer + ":" + account; label != want {
		t.Errorf("label = %q; want %q", label, want)
	}
	q := u.Query()
	if q.Get("issuer") != issuer || q.Get("secret") != "JBSWY3DPEHPK3PXP" ||
		q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("query = %v", q)
	}
	if len(q) != 5 {
		t.Errorf("query has %d parameters; want 5 (an escape leaked a '&'?)", len(q))
	}
}

func FuzzValidate(f *testing.F) {
	f.Add(rfcSecret, "287082", int64(59), int64(0))
	f.Add(rfcSecret, "081 804", int64(1111111109), int64(0))
	f.Add(rfcSecret, "０８１８０４", int64(1111111109), int64(37037036))
	f.Add("", "", int64(0), int64(-1))
	f.Add("====", "123456", int64(-30), int64(0))
	f.Fuzz(func(t *testing.T, secret, code string, unix, last int64) {
		step, ok := Validate(secret, code, time.Unix(unix, 0), last)
		if !ok {
			if step != 0 {
				t.Fatalf("rejected with step %d; want 0", step)
			}
			return
		}
		now := unix / Period
		if step < now-1 || step > now+1 || step <= last || step < 0 {
			t.Fatalf("accepted step %d (now %d, last %d) outside the allowed window", step, now, last)
		}
		key, err := decodeSecret(secret)
		if err != nil {
			t.Fatalf("Validate accepted a secret decodeSecret rejects: %v", err)
		}
		want := hotp(key, uint64(step))
		if got, _ := normalizeCode(code); got != want {
			t.Fatalf("accepted %q (normalised %q) for step %d whose code is %q", code, got, step, want)
		}
	})
}
