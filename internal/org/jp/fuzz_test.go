package jp

import (
	"errors"
	"testing"
)

func FuzzValidateCorporateNumber(f *testing.F) {
	for _, s := range handComputed {
		f.Add(s)
	}
	for _, s := range []string{
		"", " ", "7-0000-1205-0002", "７－００００－１２０５－０００２",
		"T7000012050002", "700001205000", "70000120500021", "0000012050002",
		"7ー0000ー1205ー0002", "\u3000", "--", "1-", "-1", "\xff\xfe", "7\x000000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeCorporateNumber(s)
		if again := NormalizeCorporateNumber(n); again != n {
			t.Fatalf("normalisation not idempotent: %q -> %q -> %q", s, n, again)
		}
		err := ValidateCorporateNumber(s)
		if err != nil {
			if !errors.Is(err, ErrCorpNumLength) && !errors.Is(err, ErrCorpNumCheckDigit) {
				t.Fatalf("ValidateCorporateNumber(%q) returned non-sentinel error %v", s, err)
			}
			return
		}
		if len(n) != CorporateNumberLength {
			t.Fatalf("valid %q normalised to %q (len %d)", s, n, len(n))
		}
		cd, err := CorporateNumberCheckDigit(n[1:])
		if err != nil {
			t.Fatalf("valid %q: check digit of %q: %v", s, n[1:], err)
		}
		if cd != n[0] {
			t.Fatalf("valid %q: check digit recomputes to %q, number has %q", s, cd, n[0])
		}
		if ValidateCorporateNumber(n) != nil {
			t.Fatalf("valid %q but its normal form %q is not", s, n)
		}
	})
}
