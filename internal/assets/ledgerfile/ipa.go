package ledgerfile

import (
	"slices"
	"strings"
	"sync"
)

// IPA's risk analysis workbook (付録7) heads its ledger with two rows:
// 個人情報の種類 and 評価値 are merged over sub-headings in the row
// below, and personal data is not one column but three flag columns
// (個人情報, 要配慮個人情報, 特定個人情報) marked with ○. The builder
// looks for such a second header row right under the first and, when
// it finds one, maps the sub-headings and reads the three flags as one
// personal-data kind, so a ledger kept in IPA's workbook comes in whole.

// personalFlags are the sub-headings of the three flag columns, in
// rising order of weight; flagKinds are the personal-data keys (package
// assets' PersonalData values) each flag stands for.
var (
	personalFlags = [3][]string{
		{"個人情報", "Personal information", "Personal data"},
		{"要配慮個人情報", "Sensitive personal information", "Sensitive personal data"},
		{"特定個人情報", "My Number data", "My Number"},
	}
	flagKinds = [3]string{"personal", "sensitive", "my_number"}
)

// groupHeadings are merged headings over sub-columns that are not
// columns themselves; they are not reported as ignored once the row
// below them has been read as sub-headings.
var groupHeadings = []string{"評価値", "Evaluation", "Ratings"}

// headings maps every normalised heading and alias to its Columns index.
var headings = sync.OnceValue(func() map[string]int {
	known := make(map[string]int, 3*len(Columns))
	for i, c := range Columns {
		known[normHeader(c.En)] = i
		known[normHeader(c.Ja)] = i
		for _, a := range c.Aliases {
			known[normHeader(a)] = i
		}
	}
	return known
})

// flagIndex maps a normalised flag sub-heading to its place in
// personalFlags.
var flagIndex = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for i, names := range personalFlags {
		for _, n := range names {
			m[normHeader(n)] = i
		}
	}
	return m
})

// subHeader takes cells, the row right under the header, as a second
// header row if at least two of its cells are sub-headings we know
// (two flag columns, or the three ratings under 評価値) and its asset
// name cell is empty. It reports whether it did.
func (b *builder) subHeader(cells []string) bool {
	t := b.t
	if p := b.pos[Index("name")]; p < len(cells) && strings.TrimSpace(cells[p]) != "" {
		return false
	}
	flags := [3]int{-1, -1, -1}
	cols := map[int]int{} // Columns index -> position
	for p, cell := range cells {
		n := normHeader(cell)
		if n == "" {
			continue
		}
		if f, ok := flagIndex()[n]; ok && flags[f] < 0 {
			flags[f] = p
			continue
		}
		if i, ok := headings()[n]; ok {
			if _, mapped := t.Found[Columns[i].Key]; !mapped || Columns[i].Key == "personal_data" {
				if _, twice := cols[i]; !twice {
					cols[i] = p
					continue
				}
			}
		}
		return false // a cell that is no heading: this is a data row
	}
	nflags := 0
	for _, p := range flags {
		if p >= 0 {
			nflags++
		}
	}
	if nflags+len(cols) < 2 {
		return false
	}
	for i, p := range cols {
		t.Found[Columns[i].Key] = p
		t.headers[i] = strings.TrimSpace(cells[p])
		b.pos[i], b.has[i] = -1, false
		if !Columns[i].Computed {
			b.pos[i], b.has[i] = p, true
		}
	}
	if nflags > 0 {
		pd := Index("personal_data")
		b.flags, b.pos[pd], b.has[pd] = flags, -1, true
		t.PersonalFlags = true
		if t.headers[pd] == "" {
			t.headers[pd] = Columns[pd].Header(t.lang)
		}
		if _, ok := t.Found["personal_data"]; !ok {
			for _, p := range flags {
				if p >= 0 {
					t.Found["personal_data"] = p
					break
				}
			}
		}
	}
	// The merged headings above the sub-headings were reported as
	// ignored; they are not.
	t.Ignored = slices.DeleteFunc(t.Ignored, func(h string) bool {
		n := normHeader(h)
		for _, g := range groupHeadings {
			if n == normHeader(g) {
				return true
			}
		}
		return false
	})
	return true
}

// flagged reads the three flag cells of a data row as one personal-data
// key: the weightiest flag set wins, and no flag is "" (none). A cell that
// is neither a mark nor a blank comes back as bad, as typed, and the kind
// is then "": a word in a flag column ("None", or 個人情報 typed under
// 特定個人情報) must be refused, never read as a kind. ok is false when
// every flag cell is empty.
func (b *builder) flagged(cells []string) (v, bad string, ok bool) {
	for k, p := range b.flags {
		if p < 0 || p >= len(cells) {
			continue
		}
		c := strings.TrimSpace(cells[p])
		if c == "" {
			continue
		}
		ok = true
		set, known := flagMark(c)
		switch {
		case !known:
			if bad == "" {
				bad = c
			}
		case set:
			v = flagKinds[k]
		}
	}
	if bad != "" {
		return "", bad, true
	}
	return v, "", ok
}

// flagMark reads a flag cell: the marks people put in such a column, and
// the ways they leave it unset. An ASCII x is neither, because in Japan
// it reads as × (no) and elsewhere as a tick.
func flagMark(c string) (set, known bool) {
	switch strings.ToLower(normHeader(c)) {
	case "○", "〇", "◯", "●", "◎", "✓", "✔", "☑", "レ", "有", "あり", "有り", "該当", "1", "yes", "y", "true":
		return true, true
	case "×", "✕", "✗", "☓", "無", "なし", "無し", "非該当", "-", "−", "ー", "―", "0", "no", "n", "false":
		return false, true
	}
	return false, false
}
