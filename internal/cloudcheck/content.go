package cloudcheck

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"mamori/internal/i18n"
)

// NumPoints is the number of points of the check, and NumGroups the number
// of groups they fall in: A scope of use (1–4), B preparation (5–8),
// C provider conditions (9–14). The facts come from IPA's check sheet for
// SMEs using cloud services; the wording is ours.
const (
	NumPoints = 14
	NumGroups = 3
)

// GroupKeys name the groups in order.
var GroupKeys = [NumGroups]string{"A", "B", "C"}

// groupBounds are each group's first and last point, the content's frame:
// the content file must agree with them (parseContent).
var groupBounds = [NumGroups][2]int{{1, 4}, {5, 8}, {9, 14}}

// Group is one group of points in one language.
type Group struct {
	Key         string // "A", "B" or "C"
	Index       int    // 0, 1, 2
	First, Last int    // point numbers
	Title, Lead string
	Points      []Point
}

// Point is one point of the check in one language: a short title, the
// question answered yes / no / not applicable, and guidance saying what to
// look at, why it matters and what to do when the answer is no.
type Point struct {
	No       int
	Group    string
	Key      string
	Title    string
	Question string
	Guidance string
}

type groupText struct {
	Title string `json:"title"`
	Lead  string `json:"lead"`
}

type pointText struct {
	Title    string `json:"title"`
	Question string `json:"question"`
	Guidance string `json:"guidance"`
}

type contentFile struct {
	Version string `json:"version"`
	Groups  []struct {
		Key   string               `json:"key"`
		First int                  `json:"first"`
		Last  int                  `json:"last"`
		Text  map[string]groupText `json:"text"`
	} `json:"groups"`
	Points []struct {
		No    int                  `json:"no"`
		Group string               `json:"group"`
		Key   string               `json:"key"`
		Text  map[string]pointText `json:"text"`
	} `json:"points"`
}

//go:embed content/points.json
var pointsJSON []byte

// checkContent is the parsed content: per language, the groups with their
// points.
type checkContent struct {
	version string
	groups  map[string][]Group
}

// content is parsed once at start, so broken content stops the binary at
// boot (and the tests) rather than a page later.
var content = mustParseContent(pointsJSON)

func mustParseContent(b []byte) checkContent {
	c, err := parseContent(b)
	if err != nil {
		panic("cloudcheck: " + err.Error())
	}
	return c
}

// parseContent reads the points file and checks its frame: both
// languages, three groups A, B, C covering points 1–4, 5–8 and 9–14, the
// fourteen points in order with unique keys, and no empty text.
func parseContent(b []byte) (checkContent, error) {
	var f contentFile
	if err := json.Unmarshal(b, &f); err != nil {
		return checkContent{}, err
	}
	c := checkContent{version: f.Version, groups: map[string][]Group{}}
	if strings.TrimSpace(f.Version) == "" {
		return c, fmt.Errorf("content has no version")
	}
	if len(f.Groups) != NumGroups {
		return c, fmt.Errorf("%d groups, want %d", len(f.Groups), NumGroups)
	}
	if len(f.Points) != NumPoints {
		return c, fmt.Errorf("%d points, want %d", len(f.Points), NumPoints)
	}
	keys := map[string]bool{}
	for _, lang := range i18n.Languages {
		var groups []Group
		for gi, g := range f.Groups {
			t := g.Text[lang]
			if g.Key != GroupKeys[gi] || g.First != groupBounds[gi][0] || g.Last != groupBounds[gi][1] {
				return c, fmt.Errorf("group %d is %s %d–%d, want %s %d–%d", gi+1, g.Key, g.First, g.Last, GroupKeys[gi], groupBounds[gi][0], groupBounds[gi][1])
			}
			if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Lead) == "" {
				return c, fmt.Errorf("group %s lacks %s text", g.Key, lang)
			}
			groups = append(groups, Group{Key: g.Key, Index: gi, First: g.First, Last: g.Last, Title: t.Title, Lead: t.Lead})
		}
		for i, p := range f.Points {
			t := p.Text[lang]
			if p.No != i+1 {
				return c, fmt.Errorf("point %d numbered %d", i+1, p.No)
			}
			gi := groupIndex(p.No)
			if p.Group != GroupKeys[gi] {
				return c, fmt.Errorf("point %d in group %q, want %s", p.No, p.Group, GroupKeys[gi])
			}
			if p.Key == "" || (lang == i18n.Default && keys[p.Key]) {
				return c, fmt.Errorf("point %d: key %q empty or repeated", p.No, p.Key)
			}
			keys[p.Key] = true
			if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Question) == "" || strings.TrimSpace(t.Guidance) == "" {
				return c, fmt.Errorf("point %d lacks %s text", p.No, lang)
			}
			groups[gi].Points = append(groups[gi].Points, Point{No: p.No, Group: p.Group, Key: p.Key, Title: t.Title, Question: t.Question, Guidance: t.Guidance})
		}
		c.groups[lang] = groups
	}
	return c, nil
}

// groupIndex is the index (0 A, 1 B, 2 C) of the group point no falls in;
// -1 for a number outside 1–14.
func groupIndex(no int) int {
	for i, b := range groupBounds {
		if no >= b[0] && no <= b[1] {
			return i
		}
	}
	return -1
}

// Groups returns the three groups with their points in lang, falling back
// to the default language. The slices are copies.
func Groups(lang string) []Group {
	gs, ok := content.groups[lang]
	if !ok {
		gs = content.groups[i18n.Default]
	}
	out := make([]Group, len(gs))
	for i, g := range gs {
		out[i] = g
		out[i].Points = append([]Point(nil), g.Points...)
	}
	return out
}

// Points returns the fourteen points in order in lang.
func Points(lang string) []Point {
	var out []Point
	for _, g := range Groups(lang) {
		out = append(out, g.Points...)
	}
	return out
}

// ContentVersion names the wording of the points in use; it is recorded
// with each completed check.
func ContentVersion() string { return content.version }
