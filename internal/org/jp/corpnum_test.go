package jp

import (
	"errors"
	"testing"
)

// Hand-computed examples. Pn is the n-th digit of the 12-digit base from
// the right; Qn = 1 for odd n, 2 for even n; check = 9 − (Σ Pn·Qn mod 9).
//
// 7000012050002 (National Tax Agency, 国税庁): base 000012050002
//
//	P1..P12 = 2,0,0,0,5,0,2,1,0,0,0,0
//	Σ = 2·1 + 5·1 + 2·1 + 1·2 = 11; 11 mod 9 = 2; 9 − 2 = 7 ✓
//
// 8700110005901: base 700110005901
//
//	P1..P12 = 1,0,9,5,0,0,0,1,1,0,0,7
//	Σ = 1·1 + 9·1 + 5·2 + 1·2 + 1·1 + 7·2 = 1+9+10+2+1+14 = 37
//	37 mod 9 = 1; 9 − 1 = 8
//
// 2021001052596: base 021001052596
//
//	P1..P12 = 6,9,5,2,5,0,1,0,0,1,2,0
//	Σ = 6 + 18 + 5 + 4 + 5 + 0 + 1 + 0 + 0 + 2 + 2 + 0 = 43
//	43 mod 9 = 7; 9 − 7 = 2
//
// 1180301018771: base 180301018771
//
//	P1..P12 = 1,7,7,8,1,0,1,0,3,0,8,1
//	Σ = 1 + 14 + 7 + 16 + 1 + 0 + 1 + 0 + 3 + 0 + 8 + 2 = 53
//	53 mod 9 = 8; 9 − 8 = 1
//
// 9000000000000: base all zeros, Σ = 0, 0 mod 9 = 0, 9 − 0 = 9 (the
// remainder-0 case yields 9, never 0).
var handComputed = []string{
	"7000012050002",
	"8700110005901",
	"2021001052596",
	"1180301018771",
	"9000000000000",
}

func TestCorporateNumberCheckDigitHandComputed(t *testing.T) {
	for _, n := range handComputed {
		cd, err := CorporateNumberCheckDigit(n[1:])
		if err != nil {
			t.Fatalf("CorporateNumberCheckDigit(%q): %v", n[1:], err)
		}
		if cd != n[0] {
			t.Errorf("CorporateNumberCheckDigit(%q) = %q, want %q", n[1:], cd, n[0])
		}
		if err := ValidateCorporateNumber(n); err != nil {
			t.Errorf("ValidateCorporateNumber(%q) = %v, want nil", n, err)
		}
	}
}

func TestCorporateNumberCheckDigitNeverZero(t *testing.T) {
	// Walk a spread of bases; every remainder 0..8 must occur and map to 9..1.
	seen := map[byte]bool{}
	for i := 0; i < 2000; i++ {
		base := []byte("000000000000")
		v := i * 7919
		for j := 11; j >= 0 && v > 0; j-- {
			base[j] = byte('0' + v%10)
			v /= 10
		}
		cd, err := CorporateNumberCheckDigit(string(base))
		if err != nil {
			t.Fatal(err)
		}
		if cd < '1' || cd > '9' {
			t.Fatalf("check digit for %s = %q, want '1'..'9'", base, cd)
		}
		seen[cd] = true
		if err := ValidateCorporateNumber(string(cd) + string(base)); err != nil {
			t.Errorf("generated %c%s rejected: %v", cd, base, err)
		}
	}
	if len(seen) != 9 {
		t.Errorf("saw check digits %v, want all of 1..9", seen)
	}
}

func TestCorporateNumberCheckDigitBadInput(t *testing.T) {
	for _, in := range []string{"", "00001205000", "0000120500021", "00001205000a", "０００００１２０５０００２"} {
		if _, err := CorporateNumberCheckDigit(in); !errors.Is(err, ErrCorpNumLength) {
			t.Errorf("CorporateNumberCheckDigit(%q) err = %v, want ErrCorpNumLength", in, err)
		}
	}
}

func TestNormalizeCorporateNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"7000012050002", "7000012050002"},
		{"  7000012050002\t", "7000012050002"},
		{"\u30007000012050002\u3000", "7000012050002"},
		{"７０００３１２０５０００２", "7000312050002"},
		{"7-0000-1205-0002", "7000012050002"},
		{"7 0000 1205 0002", "7000012050002"},
		{"7－0000－1205－0002", "7000012050002"},
		{"７ー００００ー１２０５ー０００２", "7000012050002"},
		{"7\u30000000\u30001205\u30000002", "7000012050002"},
		{"7 - 0000 - 1205 - 0002", "7000012050002"},
		{"7‐0000−1205–0002", "7000012050002"},
		// Separators not between digits are kept, so validation fails.
		{"-7000012050002", "-7000012050002"},
		{"7000012050002-", "7000012050002-"},
		{"T7000012050002", "T7000012050002"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := NormalizeCorporateNumber(tt.in); got != tt.want {
			t.Errorf("NormalizeCorporateNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateCorporateNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"canonical", "7000012050002", nil},
		{"full-width hyphenated", "７－００００－１２０５－０００２", nil},
		{"spaced", " 7 0000 1205 0002 ", nil},
		{"empty", "", ErrCorpNumLength},
		{"blank", "   ", ErrCorpNumLength},
		{"12 digits", "700001205000", ErrCorpNumLength},
		{"14 digits", "70000120500021", ErrCorpNumLength},
		{"letter", "700001205000A", ErrCorpNumLength},
		{"T prefix (invoice registration number)", "T7000012050002", ErrCorpNumLength},
		{"leading hyphen", "-700001205000", ErrCorpNumLength},
		{"non-ASCII digit (Arabic-Indic)", "700001205000٢", ErrCorpNumLength},
		{"wrong check digit", "6000012050002", ErrCorpNumCheckDigit},
		{"check digit 0", "0000012050002", ErrCorpNumCheckDigit},
		{"transposed digits", "7000021050002", ErrCorpNumCheckDigit},
		{"single digit typo", "7000012050003", ErrCorpNumCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCorporateNumber(tt.in)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("ValidateCorporateNumber(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}
