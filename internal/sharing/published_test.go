package sharing

import "testing"

// The built-in figures are the seed's J-CSIP table (IPA, 2017): reports
// to IPA and shares with the participants, FY2012–FY2015.
func TestPublishedFigures(t *testing.T) {
	want := []PublishedYear{{2012, 246, 160}, {2013, 385, 180}, {2014, 626, 195}, {2015, 1092, 133}}
	got := Published()
	if len(got) != len(want) {
		t.Fatalf("published %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("published[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	got[0].Reports = 0
	if Published()[0].Reports != 246 {
		t.Error("Published hands out the table itself")
	}
	if PublishedSource("ja") == "" || PublishedSource("en") == "" || PublishedSource("fr") != PublishedSource("ja") {
		t.Error("source missing")
	}
	for name, b := range map[string]string{
		"not json":    `{`,
		"no en":       `{"source":{"ja":"x"},"years":[{"fy":2012,"reports":1,"shares":1}]}`,
		"no years":    `{"source":{"ja":"x","en":"x"},"years":[]}`,
		"not rising":  `{"source":{"ja":"x","en":"x"},"years":[{"fy":2013},{"fy":2012}]}`,
		"negative":    `{"source":{"ja":"x","en":"x"},"years":[{"fy":2012,"reports":-1}]}`,
		"before 2000": `{"source":{"ja":"x","en":"x"},"years":[{"fy":1999}]}`,
	} {
		if _, err := parsePublished([]byte(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
