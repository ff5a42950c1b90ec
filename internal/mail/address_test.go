package mail_test

import (
	"net/mail"
	"strings"
	"testing"

	mmail "mamori/internal/mail"
)

func TestCheckAddress(t *testing.T) {
	// 254 octets, the most an address may have: 64 + 1 + 3×61 + 6.
	longest := strings.Repeat("a", 64) + "@" + strings.Repeat(strings.Repeat("b", 60)+".", 3) + "jpjpjp"
	cases := []struct {
		in, out string
		problem mmail.AddressProblem
	}{
		{"taro@example.jp", "taro@example.jp", ""},
		{"  Taro.Yamada+news@mail.example.co.jp ", "Taro.Yamada+news@mail.example.co.jp", ""},
		{"o'brien@example.com", "o'brien@example.com", ""},
		{"a_b-c@sub-1.example.jp", "a_b-c@sub-1.example.jp", ""},
		// Full-width letters from an input method become ordinary ones.
		{"ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp", ""},
		{"\u3000taro@example.jp\u3000", "taro@example.jp", ""},
		{"", "", mmail.AddressEmpty},
		{"   ", "", mmail.AddressEmpty},
		{longest, longest, ""},
		{"x" + longest, "", mmail.AddressTooLong},
		// What net/mail reads as another address than the text.
		{"taro(x)@example.jp", "", mmail.AddressInvalid},
		{"victim@example.jp(x)", "", mmail.AddressInvalid},
		{"Taro <taro@example.jp>", "", mmail.AddressInvalid},
		{"<taro@example.jp>", "", mmail.AddressInvalid},
		{`"taro yamada"@example.jp`, "", mmail.AddressInvalid},
		{`"a@b"@example.jp`, "", mmail.AddressInvalid},
		{"a@b@example.jp", "", mmail.AddressInvalid},
		{"taro@[192.0.2.1]", "", mmail.AddressInvalid},
		{"taro@192.0.2.1", "", mmail.AddressInvalid},
		{"taro@localhost", "", mmail.AddressInvalid},
		{"taro@example.jp.", "", mmail.AddressInvalid},
		{"taro@.example.jp", "", mmail.AddressInvalid},
		{"taro@example..jp", "", mmail.AddressInvalid},
		{"taro@-example.jp", "", mmail.AddressInvalid},
		{"taro@example-.jp", "", mmail.AddressInvalid},
		{"taro@exa_mple.jp", "", mmail.AddressInvalid},
		{".taro@example.jp", "", mmail.AddressInvalid},
		{"taro.@example.jp", "", mmail.AddressInvalid},
		{"ta..ro@example.jp", "", mmail.AddressInvalid},
		{"@example.jp", "", mmail.AddressInvalid},
		{"taro@", "", mmail.AddressInvalid},
		{"taro", "", mmail.AddressInvalid},
		{"taro @example.jp", "", mmail.AddressInvalid},
		{"taro@example.jp, jiro@example.jp", "", mmail.AddressInvalid},
		{"taro@example.jp\r\nBcc: x@example.jp", "", mmail.AddressInvalid},
		{"たろう@example.jp", "", mmail.AddressInvalid},
		{"taro@例え.jp", "", mmail.AddressInvalid},
		{"taro\u202e@example.jp", "", mmail.AddressInvalid},
		{strings.Repeat("a", 65) + "@example.jp", "", mmail.AddressInvalid},
		{"a@" + strings.Repeat("b", 64) + ".jp", "", mmail.AddressInvalid},
	}
	for _, c := range cases {
		out, problem := mmail.CheckAddress(c.in)
		if problem != c.problem || (c.problem == "" && out != c.out) {
			t.Errorf("CheckAddress(%q) = %q, %q; want %q, %q", c.in, out, problem, c.out, c.problem)
		}
	}
}

// FuzzCheckAddress: whatever the rule accepts, net/mail reads as exactly
// the same bare address, so what is stored is what is delivered.
func FuzzCheckAddress(f *testing.F) {
	for _, s := range []string{"taro@example.jp", "victim@example.jp(x)", "ｔａｒｏ＠example.jp", `"a"@b.jp`, "a+b@c-d.jp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, problem := mmail.CheckAddress(s)
		if problem != "" {
			return
		}
		a, err := mail.ParseAddress(out)
		if err != nil || a.Name != "" || a.Address != out || len(out) > 254 {
			t.Fatalf("accepted %q as %q; net/mail: %+v %v", s, out, a, err)
		}
		for i := 0; i < len(out); i++ {
			if out[i] <= ' ' || out[i] >= 0x7f {
				t.Fatalf("accepted %q with byte %#x", out, out[i])
			}
		}
	})
}
