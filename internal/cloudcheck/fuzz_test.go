package cloudcheck

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAnswers feeds arbitrary values to one point of the check form: no
// panic, and accepted input gives one of the four answers and a note of
// valid text within the limit.
func FuzzAnswers(f *testing.F) {
	for _, s := range [][2]string{{"yes", ""}, {"", "note\r\nline"}, {"maybe", "x"}, {" na ", "\x00"}, {"no", strings.Repeat("長", MaxNote)}, {"\xff", "\xfe"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, answer, note string) {
		var in AnswersInput
		in[6] = AnswerInput{Answer: answer, Note: note}
		out, err := in.clean()
		if err != nil {
			return
		}
		p := out[6]
		if !p.Answer.Valid() || p.Point != 7 || !utf8.ValidString(p.Note) || utf8.RuneCountInString(p.Note) > MaxNote || strings.ContainsAny(p.Note, "\r\x00") {
			t.Fatalf("accepted %q %q as %+v", answer, note, p)
		}
		if out.Answered() > 1 {
			t.Fatalf("%d answered from one point", out.Answered())
		}
	})
}
