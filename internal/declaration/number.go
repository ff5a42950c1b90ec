package declaration

import (
	"context"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/db"
)

// A declaration number is 11 ASCII digits: a 10-digit serial followed by
// its Luhn (mod 10) check digit. Serials come from a counter that starts at
// 1000000001, so every serial has ten significant digits; the largest is
// 9999999999. See docs/declarations.md for a worked example.
const (
	NumberLength = 11
	serialLength = NumberLength - 1
	maxSerial    = 9_999_999_999
)

// CheckDigit returns the Luhn check digit of a 10-digit serial as an ASCII
// digit ('0'…'9'), or 0 (the zero byte, not '0') when serial10 is not
// exactly ten ASCII digits.
//
// Luhn: starting with the rightmost digit of the serial (the one next to
// the check digit) and moving left, every second digit is doubled, and 9 is
// subtracted from a doubled value above 9; the check digit is what brings
// the sum of all these to a multiple of 10.
func CheckDigit(serial10 string) byte {
	if !allDigits(serial10, serialLength) {
		return 0
	}
	sum := 0
	for i := 0; i < serialLength; i++ {
		d := int(serial10[serialLength-1-i] - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidNumber reports whether s is a well-formed declaration number:
// exactly 11 ASCII digits whose last is the Luhn check digit of the first
// ten. It does not say whether the number was ever issued.
func ValidNumber(s string) bool {
	return allDigits(s, NumberLength) && CheckDigit(s[:serialLength]) == s[serialLength]
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatNumber turns a serial into its declaration number.
func formatNumber(serial int64) string {
	s := strconv.FormatInt(serial, 10)
	return s + string(CheckDigit(s))
}

// allocateNumber takes the next serial from the counter inside the
// caller's transaction. The UPDATE locks the counter row on PostgreSQL
// (SQLite write transactions are serial anyway), so two transactions never
// read the same value; a transaction that rolls back returns its serial,
// and one that commits has used it for good.
func allocateNumber(ctx context.Context, q db.Querier) (string, error) {
	var serial int64
	err := q.QueryRowContext(ctx, `UPDATE declaration_numbers SET last_serial = last_serial + 1 WHERE id = 1 RETURNING last_serial`).Scan(&serial)
	if err != nil {
		return "", db.Classify(err)
	}
	if serial < 1_000_000_000 || serial > maxSerial {
		return "", apperr.Errorf("declaration: serial %d outside the 10-digit range", serial)
	}
	return formatNumber(serial), nil
}
