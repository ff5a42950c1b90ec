package selfcheck

import (
	"fmt"
	"html/template"
	"mamori/internal/i18n"
	"strconv"
	"strings"
	"time"
)

type partView struct {
	Number     int
	Title      string
	Score, Max int
}

type actionView struct {
	Item        int
	Part        int
	PartTitle   string
	Question    string
	Answer      Answer
	AnswerLabel string
	How         string
	Steps       []string
	Threats     []string
	Weight      int
	Done        bool
}

type reviewView struct {
	Item     int
	Question string
}

// resultView is everything the result template shows, in one language and
// in the wording of the version the answers were given with.
type resultView struct {
	Version     string
	Score, Max  int
	Band        string
	BandTitle   string
	BandMeaning string
	Parts       []partView
	Chart       template.HTML
	Review      []reviewView
	Actions     []actionView
	DoneCount   int
	// Set for saved results.
	ID       string
	OrgSlug  string
	OrgName  string
	SiteName string
	TakenAt  time.Time
	CanSave  bool
}

// answersOf is a stored result's answers by item number; keys that are
// not items of qs are left out.
func answersOf(qs *QuestionSet, answers map[string]string) Answers {
	a := NewAnswers(qs)
	for k, v := range answers {
		if n, err := strconv.Atoi(k); err == nil && n > 0 && n < len(a) {
			a[n] = Answer(v)
		}
	}
	return a
}

func (s *Service) view(qs *QuestionSet, answers map[string]string, lang string, done map[int]bool) resultView {
	res := Score(qs, answersOf(qs, answers))
	band := s.Content.Bands[res.Band]
	v := resultView{Version: res.Version, Score: res.Score, Max: res.Max, Band: res.Band,
		BandTitle: band.Title.In(lang), BandMeaning: band.Meaning.In(lang)}
	titles := map[int]string{}
	for i, p := range qs.Parts {
		titles[p.Number] = p.Title.In(lang)
		v.Parts = append(v.Parts, partView{Number: p.Number, Title: p.Title.In(lang), Score: res.Parts[i].Score, Max: res.Parts[i].Max})
	}
	v.Chart = partsChart(v.Parts, s.Catalog.Printer(lang).T("selfcheck.chart.parts"))
	for _, n := range res.Review {
		it, _ := qs.Item(n)
		v.Review = append(v.Review, reviewView{Item: n, Question: it.Question.In(lang)})
	}
	for _, ac := range res.Actions {
		it, _ := qs.Item(ac.Item)
		av := actionView{Item: ac.Item, Part: ac.Part, PartTitle: titles[ac.Part], Question: it.Question.In(lang), Answer: ac.Answer,
			AnswerLabel: s.Content.Answers[string(ac.Answer)].In(lang), How: it.How.In(lang), Steps: it.Steps.In(lang), Weight: ac.Weight, Done: done[ac.Item]}
		for _, t := range it.Threats {
			av.Threats = append(av.Threats, qs.Threats[t].In(lang))
		}
		if av.Done {
			v.DoneCount++
		}
		v.Actions = append(v.Actions, av)
	}
	return v
}

// partsChart draws the part scores as horizontal bars. A part can score
// below zero ("don't know" costs a point), so the zero line is drawn and
// negative bars grow to its left. Geometry only: the title comes from the
// catalog and the colours from the stylesheet (svg.chart .part-*), so a
// restyle or a translation does not touch Go.
func partsChart(parts []partView, title string) template.HTML {
	const w, rowH, left, barW = 560, 44, 170, 330
	h := rowH*len(parts) + 16
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="parts-chart-title" xmlns="http://www.w3.org/2000/svg">`, w, h)
	fmt.Fprintf(&b, `<title id="parts-chart-title">%s</title>`, template.HTMLEscapeString(title))
	zero := left + 10
	scale := float64(barW-10) / 52.0 // the largest part has 52 points
	for i, p := range parts {
		y := 8 + i*rowH
		label := template.HTMLEscapeString(p.Title)
		if len([]rune(label)) > 14 {
			label = string([]rune(label)[:13]) + "…"
		}
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="13" class="part-label">%s</text>`, y+20, label)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="22" class="part-track"/>`, zero, y+5, float64(p.Max)*scale)
		if p.Score >= 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="22" class="part-score"/>`, zero, y+5, float64(p.Score)*scale)
		} else {
			bw := float64(-p.Score) * scale
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="22" class="part-negative"/>`, float64(zero)-bw, y+5, bw)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" class="part-label">%d / %d</text>`, zero+int(float64(p.Max)*scale)+8, y+20, p.Score, p.Max)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="4" x2="%d" y2="%d" class="part-zero"/>`, zero, zero, h-4)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// trendPoint is one saved result on the history chart.
type trendPoint struct {
	At    time.Time
	Score int
}

// trendChart draws scores over time with the band thresholds as guides;
// like partsChart, its title and colours come from outside Go.
func trendChart(points []trendPoint, title string) template.HTML {
	if len(points) == 0 {
		return ""
	}
	const w, h, left, top, bottom = 560, 220, 40, 10, 30
	plotW, plotH := w-left-10, h-top-bottom
	yOf := func(score int) float64 {
		if score < -25 {
			score = -25
		}
		return float64(top) + float64(100-score)/125*float64(plotH)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg"><title id="trend-title">%s</title>`, w, h, template.HTMLEscapeString(title))
	for _, g := range []int{100, 70, 50, 0} {
		y := yOf(g)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="trend-guide"/><text x="0" y="%.1f" font-size="11" class="trend-label">%d</text>`, left, y, w-10, y, y+4, g)
	}
	step := 0.0
	if len(points) > 1 {
		step = float64(plotW) / float64(len(points)-1)
	}
	var pts []string
	for i, p := range points {
		x := float64(left) + step*float64(i)
		if len(points) == 1 {
			x = float64(left + plotW/2)
		}
		y := yOf(p.Score)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		date := i18n.Day(p.At)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" class="trend-point"><title>%s: %d</title></circle>`, x, y, date, p.Score)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" class="trend-label" text-anchor="middle">%s</text>`, x, h-8, date)
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" class="trend-line"/>`, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
