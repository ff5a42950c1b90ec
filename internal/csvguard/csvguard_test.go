package csvguard

import "testing"

func TestGuard(t *testing.T) {
	for in, want := range map[string]string{
		"=1": "'=1", "+1": "'+1", "-1": "'-1", "@a": "'@a", "\tx": "'\tx", "\rx": "'\rx", "\nx": "'\nx",
		"＝HYPERLINK(1)": "'＝HYPERLINK(1)", "＋1": "'＋1", "－1": "'－1", "＠a": "'＠a", "'＝1": "''＝1",
		"'=1": "''=1", "''-": "'''-", "'a": "'a", "'": "'", "a=1": "a=1", "": "", "株式会社＝": "株式会社＝",
	} {
		if got := Guard(in); got != want {
			t.Errorf("Guard(%q) = %q, want %q", in, got, want)
		}
		if got := Unguard(Guard(in)); got != in {
			t.Errorf("Unguard(Guard(%q)) = %q", in, got)
		}
	}
}
