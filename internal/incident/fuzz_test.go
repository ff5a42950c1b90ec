package incident

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"mamori/internal/web"
)

// Phone numbers come from anyone who can edit the card: whatever is
// typed, an accepted number is short, has only the characters the card
// prints, and cleaning it again changes nothing.
func FuzzCleanPhone(f *testing.F) {
	for _, s := range []string{"03-1234-5678", "０３－１２３４－５６７８", "#9110", "+81 3 1234 5678", "(03)1234-5678", "abc", "", "\xff", "ー"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, problem := CleanPhone(in)
		if problem != "" {
			return
		}
		if utf8.RuneCountInString(out) > maxPhone || strings.TrimSpace(out) != out {
			t.Fatalf("CleanPhone(%q) = %q", in, out)
		}
		for _, r := range out {
			if !strings.ContainsRune("0123456789-() +#", r) {
				t.Fatalf("CleanPhone(%q) = %q keeps %q", in, out, r)
			}
		}
		if again, p := CleanPhone(out); p != "" || again != out {
			t.Fatalf("CleanPhone not idempotent on %q: %q %q", out, again, p)
		}
	})
}

// Steps: every accepted step is one non-empty line without control
// characters, within the bounds, and the form round trip keeps them.
func FuzzCleanSteps(f *testing.F) {
	for _, s := range []string{"1. a\n2) b\n・c", "\r\n\r\n", "3.5GHz", "１．あ", strings.Repeat("x\n", 12), "\x00", "- \n-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		steps, problem := cleanSteps(in)
		if problem != "" {
			return
		}
		if len(steps) > maxSteps {
			t.Fatalf("%d steps", len(steps))
		}
		for _, s := range steps {
			if s == "" || strings.TrimSpace(s) != s || utf8.RuneCountInString(s) > maxStepChars || !utf8.ValidString(s) {
				t.Fatalf("step %q from %q", s, in)
			}
			for _, r := range s {
				if unicode.IsControl(r) {
					t.Fatalf("control character in step %q", s)
				}
			}
		}
		v := formOf(&Card{})
		v.Set(stepsField("malware"), strings.Join(steps, "\n"))
		c, err := cardFromForm(web.NewForm(v))
		if err != nil {
			t.Fatalf("steps %q refused on the way back: %v", steps, err)
		}
		if strings.Join(c.Steps[1], "\n") != strings.Join(steps, "\n") && len(stripAll(steps)) == len(steps) {
			// A step that itself starts like a list marker loses it on
			// every save; anything else must survive unchanged.
			t.Fatalf("round trip %q -> %q", steps, c.Steps[1])
		}
	})
}

// stripAll returns the steps that do not start with a list marker.
func stripAll(steps []string) []string {
	var out []string
	for _, s := range steps {
		if stripMarker(s) == s {
			out = append(out, s)
		}
	}
	return out
}

// Times typed into the log: an accepted time is in UTC and formats back
// to a value the form accepts for the same instant.
func FuzzParseLocal(f *testing.F) {
	for _, s := range []string{"2025-04-01T10:30", "2025-04-01 10:30:59", "2025-02-30T10:00", "", "0000-01-01T00:00", "9999-12-31T23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tm, ok := parseLocal(in)
		if !ok {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("parseLocal(%q) not in UTC", in)
		}
		back, ok := parseLocal(localInput(tm))
		if !ok || !back.Equal(tm.Truncate(time.Minute)) {
			t.Fatalf("parseLocal(%q) = %v, back %v", in, tm, back)
		}
	})
}
