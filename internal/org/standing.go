package org

import (
	"context"
	_ "embed"
	"errors"
	"html/template"
	"strings"
	"time"

	"mamori/internal/db"
	"mamori/internal/i18n"
)

// Badge is an organisation's standing declaration as its cards show it.
type Badge struct {
	Stars  int
	Mark   string // "★" or "★★"
	Number string
}

// String is the mark and number, "★ 10000000017".
func (b Badge) String() string { return b.Mark + " " + b.Number }

// Diagnosis is an organisation's latest saved self-diagnosis as the
// dashboard shows it, made by the selfcheck package in one language.
type Diagnosis struct {
	Score, Max int
	Band       string // the band's id, for its colour
	BandTitle  string
	TakenAt    time.Time
	Path       string // the saved result
	// Recent reports whether it is recent enough for two stars.
	Recent bool
	// Open counts the plan's actions not marked done; Next names the
	// first few of them, in the plan's order.
	Open int
	Next []NextAction
}

// NextAction is one open action of the plan, linked to its advice.
type NextAction struct {
	Item        int
	Title, Path string
}

//go:embed standing.html
var standingSource string

// standingPanel is the dashboard's summary of where one organisation
// stands. It is rendered once when the dashboard's cache is filled
// (ranging over items on every view cost a third of the page's time),
// from words already translated, so it is its own small template rather
// than a page template.
var standingPanel = template.Must(template.New("standing").Parse(standingSource))

// check is one line of a checklist, in the dashboard's language.
type check struct {
	Key, Label, Note, State, Path string
	Done                          bool
}

// level is the progress toward one declaration level.
type level struct {
	Stars    int
	Title    string
	Checks   []check
	Achieved bool
	// Ready is set when every condition holds but the level is not yet
	// declared: the owner's next step is the declaration itself.
	Ready bool
}

type standingData struct {
	Slug      string
	L         map[string]string // the panel's fixed words
	Diagnosis *Diagnosis
	TakenAt   string
	Levels    []level
	Badge     Badge
	Owner     bool
	Other     template.HTML
}

// standingWords are the panel's fixed texts, by the name the panel uses.
var standingWords = []string{"diagnosis_title", "first_step_title", "first_step_body", "first_step_button",
	"next_title", "all_done", "see_result", "take_again", "progress_title", "declare_one", "declare_two",
	"public_title", "verify_link", "embed_link", "other_title", "owner_only", "achieved"}

// levelKeys title the checklists of one and two stars.
var levelKeys = [2]string{"dashboard.standing.level_1", "dashboard.standing.level_2"}

// standing renders the panel of organisation m in p's language from its
// readiness items, its standing declaration (zero when none) and its
// latest diagnosis (nil when none).
func standing(p *i18n.Printer, m Membership, items []ReadinessItem, badge Badge, diag *Diagnosis) (template.HTML, error) {
	d := standingData{Slug: m.Org.Slug, L: make(map[string]string, len(standingWords)), Diagnosis: diag, Badge: badge, Owner: m.Role == RoleOwner}
	for _, w := range standingWords {
		d.L[w] = p.T("dashboard.standing." + w)
	}
	if diag != nil {
		d.TakenAt = i18n.Date(diag.TakenAt, p.Lang())
		d.L["score"] = p.T("dashboard.standing.score", diag.Score, diag.Max)
		d.L["taken"] = p.T("dashboard.standing.taken", d.TakenAt)
		d.L["open"] = p.T("dashboard.standing.open", diag.Open)
	}
	var other []ReadinessItem
	for _, n := range []int{1, 2} {
		lv := level{Stars: n, Title: p.T(levelKeys[n-1]), Achieved: badge.Stars >= n}
		all := true
		for _, it := range items {
			if it.Stars != n {
				continue
			}
			c := check{Key: it.Key, Label: p.T(it.Key), Path: it.Path, Done: it.Done, State: p.T("org.readiness_todo")}
			if it.Done {
				c.State = p.T("org.readiness_done")
			}
			if it.Note != "" {
				c.Note = p.TA(it.Note, it.Args)
			}
			all = all && it.Done
			lv.Checks = append(lv.Checks, c)
		}
		lv.Ready = all && !lv.Achieved
		d.Levels = append(d.Levels, lv)
	}
	for _, it := range items {
		if it.Stars == 0 {
			other = append(other, it)
		}
	}
	if len(other) > 0 {
		var err error
		if d.Other, err = readinessHTML(p, m.Org.Slug, other); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	if err := standingPanel.Execute(&b, d); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// latestDiagnosis asks the hook for o's latest diagnosis; ok is false
// when it has none or no hook is set.
func (s *Service) latestDiagnosis(ctx context.Context, o *Org, lang string) (d Diagnosis, ok bool, err error) {
	if s.LatestDiagnosis == nil {
		return d, false, nil
	}
	d, err = s.LatestDiagnosis(ctx, o, lang)
	if errors.Is(err, db.ErrNotFound) {
		return d, false, nil
	}
	return d, err == nil, err
}
