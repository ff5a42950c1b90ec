package controls

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSheetForm feeds arbitrary form bodies to the sheet's parsing and
// checks, which see every member's input: nothing may panic, and what is
// accepted names only known controls, once each, with valid answers and
// notes within the limit holding no control character but newline.
func FuzzSheetForm(f *testing.F) {
	for _, s := range []string{"", "answer.org.1=in_place&note.org.1=ok", "answer.org.1=maybe", "answer.x=in_place",
		"note.org.2=%0D%0Aa%0Db", "note.org.2=%00", "answer.org.1=in_place&answer.org.1=partial", "note.org.1=" + strings.Repeat("a", 501),
		"answer.org.1=&note.org.1=", "foo=bar&answer.=x&note.=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		vals, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		in, err := inputsFromForm(vals)
		if err != nil {
			return
		}
		out, err := cleanInputs(in)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, x := range out {
			if _, ok := ControlByKey(x.Key); !ok || seen[x.Key] {
				t.Fatalf("accepted key %q", x.Key)
			}
			seen[x.Key] = true
			if x.Answer != "" && !x.Answer.Valid() {
				t.Fatalf("accepted answer %q", x.Answer)
			}
			if !utf8.ValidString(x.Note) || utf8.RuneCountInString(x.Note) > MaxNoteChars {
				t.Fatalf("accepted note %q", x.Note)
			}
			for _, r := range x.Note {
				if r != '\n' && unicode.IsControl(r) {
					t.Fatalf("accepted control character in %q", x.Note)
				}
			}
		}
	})
}
