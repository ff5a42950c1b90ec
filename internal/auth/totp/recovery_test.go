package totp

import (
	"regexp"
	"strings"
	"testing"
)

var recoveryRE = regexp.MustCompile(`^[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}$`)

func TestRecoveryAlphabet(t *testing.T) {
	if len(recoveryAlphabet) != 32 {
		t.Fatalf("alphabet has %d symbols; want 32 for unbiased 5-bit sampling", len(recoveryAlphabet))
	}
	if strings.ContainsAny(recoveryAlphabet, "0o1l") {
		t.Error("alphabet contains an ambiguous symbol")
	}
	seen := map[rune]bool{}
	for _, r := range recoveryAlphabet {
		if seen[r] {
			t.Errorf("duplicate symbol %q", r)
		}
		seen[r] = true
	}
}

func TestNewRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("got %d codes; want 10", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryRE.MatchString(c) {
			t.Errorf("code %q has the wrong format", c)
		}
		if seen[c] {
			t.Errorf("duplicate code %q", c)
		}
		seen[c] = true
		if NormalizeRecoveryCode(c) != strings.ReplaceAll(c, "-", "") {
			t.Errorf("normalising %q did not just drop dashes", c)
		}
	}
}

func TestNewRecoveryCodesUseWholeAlphabet(t *testing.T) {
	codes, err := NewRecoveryCodes(100)
	if err != nil {
		t.Fatal(err)
	}
	// 1200 draws from 32 symbols: a missing symbol means broken sampling.
	all := strings.Join(codes, "")
	for _, r := range recoveryAlphabet {
		if !strings.ContainsRune(all, r) {
			t.Errorf("symbol %q never generated in 1200 draws", r)
		}
	}
}

func TestNewRecoveryCodesCount(t *testing.T) {
	for _, n := range []int{-1, 0, maxRecoveryCodes + 1} {
		if _, err := NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d): want error", n)
		}
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	const want = "abcdefgh2345"
	for _, in := range []string{
		"abcd-efgh-2345",
		"ABCD-EFGH-2345",
		"abcd efgh 2345",
		" abcd-efgh-2345\n",
		"abcdefgh2345",
		"ａｂｃｄ－ｅｆｇｈ－２３４５", // full-width letters, digits and hyphen
		"abcdーefghー2345", // katakana prolonged sound mark
		"abcd‐efgh−2345", // U+2010 hyphen, U+2212 minus
		"abcd　efgh　2345", // ideographic space
	} {
		if got := NormalizeRecoveryCode(in); got != want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	// echo -n abcdefgh2345 | sha256sum
	const want = "1d4d799b3c3b01703e2e45480b3a534328a7483d588c3ae3de3e08a333d0ff22"
	h := HashRecoveryCode("abcd-efgh-2345")
	if h != want {
		t.Fatalf("HashRecoveryCode = %q; want %q", h, want)
	}
	if h != HashRecoveryCode("ABCD EFGH 2345") {
		t.Error("hash depends on formatting")
	}
	if h == HashRecoveryCode("abcd-efgh-2346") {
		t.Error("different codes hash the same")
	}
}
