package sharing

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"mamori/internal/i18n"
)

// The J-CSIP figures IPA published for FY2012–FY2015 are part of the
// partnership's record, not something a coordinator should retype: they
// ship with the binary as data, shown as published with their source, and
// the years they cover cannot be entered by hand.
//
//go:embed data/jcsip_published.json
var publishedJSON []byte

// PublishedYear is one fiscal year of published figures. Targeted is not
// published, so the table shows a dash for it.
type PublishedYear struct {
	FY      int `json:"fy"`
	Reports int `json:"reports"`
	Shares  int `json:"shares"`
}

type publishedFile struct {
	Source map[string]string `json:"source"`
	Years  []PublishedYear   `json:"years"`
}

// published is parsed once at start, so a broken file stops the binary at
// boot (and the tests) rather than the figures page later.
var published = mustParsePublished(publishedJSON)

func mustParsePublished(b []byte) publishedFile {
	p, err := parsePublished(b)
	if err != nil {
		panic("sharing: published figures: " + err.Error())
	}
	return p
}

// parsePublished reads the file and checks it: a source in every
// language, at least one year, years rising without repeats from 2000,
// no negative counts.
func parsePublished(b []byte) (publishedFile, error) {
	var p publishedFile
	if err := json.Unmarshal(b, &p); err != nil {
		return p, err
	}
	for _, lang := range i18n.Languages {
		if strings.TrimSpace(p.Source[lang]) == "" {
			return p, fmt.Errorf("no %s source", lang)
		}
	}
	if len(p.Years) == 0 {
		return p, fmt.Errorf("no years")
	}
	for i, y := range p.Years {
		if y.FY < 2000 || (i > 0 && y.FY <= p.Years[i-1].FY) || y.Reports < 0 || y.Shares < 0 {
			return p, fmt.Errorf("bad year %+v", y)
		}
	}
	return p, nil
}

// Published returns the built-in published figures, oldest year first,
// as a fresh copy.
func Published() []PublishedYear {
	return append([]PublishedYear(nil), published.Years...)
}

// PublishedSource names where the published figures come from, in lang.
func PublishedSource(lang string) string {
	if s := published.Source[lang]; s != "" {
		return s
	}
	return published.Source[i18n.Default]
}

// isPublished reports whether fy is a year of the published figures.
func isPublished(fy int) bool {
	for _, y := range published.Years {
		if y.FY == fy {
			return true
		}
	}
	return false
}
