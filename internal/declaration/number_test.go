package declaration

import (
	"strings"
	"testing"
)

func TestCheckDigitKnown(t *testing.T) {
	for _, c := range []struct {
		serial string
		want   byte
	}{
		{"7992739871", '3'}, // the textbook Luhn example
		{"1000000001", '7'}, // the first number issued: 10000000017
		{"1000000000", '9'},
		{"1000000002", '5'},
		{"1234567890", '3'},
		{"9999999999", '0'},
		{"5000000000", '5'},
		{"0000000000", '0'},
		// Not ten ASCII digits: the zero byte.
		{"", 0},
		{"123456789", 0},
		{"12345678901", 0},
		{"12345678x0", 0},
		{"１２３４５６７８９０", 0},
		{"-123456789", 0},
	} {
		if got := CheckDigit(c.serial); got != c.want {
			t.Errorf("CheckDigit(%q) = %q, want %q", c.serial, got, c.want)
		}
	}
	if got := formatNumber(1000000001); got != "10000000017" || !ValidNumber(got) {
		t.Errorf("formatNumber = %q", got)
	}
}

func TestValidNumber(t *testing.T) {
	for _, s := range []string{"10000000017", "79927398713", "12345678903", "99999999990"} {
		if !ValidNumber(s) {
			t.Errorf("ValidNumber(%q) = false", s)
		}
	}
	for _, s := range []string{
		"", "1", "1000000001", "100000000170", "10000000018", "10000000010",
		"1000000001７", "１0000000017", "1000-000001-7", " 10000000017", "10000000017 ", "1000000001a",
		"0x000000017", "+1000000001", "1e100000007", "10000000017\x00", "\xff\xfe000000017",
	} {
		if ValidNumber(s) {
			t.Errorf("ValidNumber(%q) = true", s)
		}
	}
}

// sample numbers for the error-detection tests.
var sampleNumbers = []string{"10000000017", "79927398713", "12345678903", "48151623420", "90909090903"}

func init() {
	for i, s := range sampleNumbers {
		sampleNumbers[i] = s[:10] + string(CheckDigit(s[:10]))
	}
}

// Luhn catches every single-digit error, in any position including the
// check digit itself.
func TestSingleDigitErrorsDetected(t *testing.T) {
	for _, n := range sampleNumbers {
		if !ValidNumber(n) {
			t.Fatalf("%s not valid", n)
		}
		for i := 0; i < len(n); i++ {
			for c := byte('0'); c <= '9'; c++ {
				if c == n[i] {
					continue
				}
				bad := n[:i] + string(c) + n[i+1:]
				if ValidNumber(bad) {
					t.Errorf("%s → %s (position %d) not detected", n, bad, i)
				}
			}
		}
	}
}

// Luhn catches every swap of two different adjacent digits except 0↔9:
// doubling maps 0→0 and 9→9, so "09" and "90" contribute 9 either way.
func TestAdjacentTranspositions(t *testing.T) {
	missed := 0
	for _, n := range sampleNumbers {
		for i := 0; i+1 < len(n); i++ {
			a, b := n[i], n[i+1]
			if a == b {
				continue
			}
			swapped := n[:i] + string([]byte{b, a}) + n[i+2:]
			undetectable := (a == '0' && b == '9') || (a == '9' && b == '0')
			if got := ValidNumber(swapped); got != undetectable {
				t.Errorf("%s → %s: valid = %v, want %v", n, swapped, got, undetectable)
			}
			if undetectable {
				missed++
			}
		}
	}
	if missed == 0 {
		t.Error("the samples should include a 09/90 pair to document the blind spot")
	}
	// Every 10-digit serial whose last two digits are 09 has a twin ending
	// in 90 with the same check digit.
	for _, p := range []string{"12345678", "10000000", "99999999"} {
		if CheckDigit(p+"09") != CheckDigit(p+"90") {
			t.Errorf("%s09 and %s90 differ", p, p)
		}
	}
	if !strings.Contains(sampleNumbers[4], "09") {
		t.Fatalf("sample %s lost its 09 pair", sampleNumbers[4])
	}
}
