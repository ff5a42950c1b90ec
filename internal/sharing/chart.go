package sharing

import "strconv"

// Chart is the figures' bar chart laid out for the SVG template: two bars
// (reports, shares) per fiscal year, oldest on the left, coordinates
// computed here so the template only places them.
type Chart struct {
	Width, Height, Base int
	// DisplayWidth is the width the page gives the drawing, one and a
	// half times its own units so 11-unit labels read at about 16 px; a
	// narrow column shrinks it further.
	DisplayWidth int
	Bars         []ChartBar
	Ticks        []ChartTick
}

// ChartBar is one bar.
type ChartBar struct {
	X, Y, W, H int
	Kind       string // "reports" or "shares"
	Value, FY  int
	Historical bool
}

// ChartTick is a label on an axis.
type ChartTick struct {
	X, Y int
	Text string
}

// LayoutChart draws years (newest first, as Figures returns them).
func LayoutChart(years []*YearFigures) Chart {
	const left, pad, plot, barW, gap, group, minWidth = 48, 16, 200, 18, 4, 56, 320
	c := Chart{Height: pad + plot + 40, Base: pad + plot}
	max := 1
	for _, y := range years {
		max = maxInt(max, y.Reports, y.Shares)
	}
	top, step := niceAxis(max)
	// A chart of one or two years still gets a sensible width, so the
	// page does not blow a narrow drawing up to its full column.
	c.Width = maxInt(left+len(years)*group+16, minWidth)
	c.DisplayWidth = c.Width * 3 / 2
	for v := 0; v <= top; v += step {
		c.Ticks = append(c.Ticks, ChartTick{X: left - 6, Y: c.Base - plot*v/top + 4, Text: strconv.Itoa(v)})
	}
	for i := range years {
		y := years[len(years)-1-i]
		x := left + 8 + i*group
		for k, v := range []int{y.Reports, y.Shares} {
			h := plot * v / top
			kind := "reports"
			if k == 1 {
				kind = "shares"
			}
			c.Bars = append(c.Bars, ChartBar{X: x + k*(barW+gap), Y: c.Base - h, W: barW, H: h, Kind: kind, Value: v, FY: y.FY, Historical: y.Historical})
		}
		c.Ticks = append(c.Ticks, ChartTick{X: x + barW + gap/2, Y: c.Base + 16, Text: strconv.Itoa(y.FY)})
	}
	return c
}

func maxInt(xs ...int) int {
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

// niceAxis is the value axis: a round step (1, 2, 2.5 or 5 times a power
// of ten; 2.5 only where it stays a whole number) and the top, the
// smallest multiple of the step reaching most with at most five steps, so
// every tick reads as a distinct round number.
func niceAxis(most int) (top, step int) {
	for p := 1; ; p *= 10 {
		cands := []int{p, 2 * p, 5 * p}
		if p >= 10 {
			cands = []int{p, 2 * p, p * 5 / 2, 5 * p}
		}
		for _, s := range cands {
			if n := (most + s - 1) / s; n <= 5 {
				return max(n, 1) * s, s
			}
		}
	}
}
