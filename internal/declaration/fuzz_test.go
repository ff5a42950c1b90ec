package declaration

import (
	"testing"
	"unicode/utf8"
)

// FuzzValidNumber feeds arbitrary text to the number check (it will read
// /v/{number} paths later): it must never panic, accept only 11 ASCII
// digits with a matching check digit, and accept every serial completed
// with its check digit.
func FuzzValidNumber(f *testing.F) {
	for _, s := range []string{"", "10000000017", "10000000018", "1000000001", "１0000000017", "\xff\xfe", "99999999990", "0909090909x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := ValidNumber(s)
		if ok {
			if len(s) != NumberLength || !utf8.ValidString(s) {
				t.Fatalf("accepted %q", s)
			}
			for i := 0; i < len(s); i++ {
				if s[i] < '0' || s[i] > '9' {
					t.Fatalf("accepted non-digit in %q", s)
				}
			}
			if CheckDigit(s[:10]) != s[10] {
				t.Fatalf("accepted %q with a wrong check digit", s)
			}
		}
		cd := CheckDigit(s)
		if len(s) == serialLength && allDigits(s, serialLength) {
			if cd < '0' || cd > '9' || !ValidNumber(s+string(cd)) {
				t.Fatalf("serial %q: check digit %q does not validate", s, cd)
			}
		} else if cd != 0 {
			t.Fatalf("CheckDigit(%q) = %q for a non-serial", s, cd)
		}
	})
}
