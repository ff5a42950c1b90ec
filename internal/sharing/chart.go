package sharing

import "strconv"

// Chart is the figures' bar chart laid out for the SVG template: two bars
// (reports, shares) per fiscal year, oldest on the left, coordinates
// computed here so the template only places them.
type Chart struct {
	Width, Height, Base int
	Bars                []ChartBar
	Ticks               []ChartTick
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
	const left, top, plot, barW, gap, group = 48, 16, 200, 18, 4, 56
	c := Chart{Height: top + plot + 40, Base: top + plot}
	max := 1
	for _, y := range years {
		max = maxInt(max, y.Reports, y.Shares)
	}
	top5 := niceTop(max)
	c.Width = left + len(years)*group + 16
	for i := range 6 {
		v := top5 * i / 5
		c.Ticks = append(c.Ticks, ChartTick{X: left - 6, Y: c.Base - plot*i/5 + 4, Text: strconv.Itoa(v)})
	}
	for i := range years {
		y := years[len(years)-1-i]
		x := left + 8 + i*group
		for k, v := range []int{y.Reports, y.Shares} {
			h := plot * v / top5
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

// niceTop is the axis maximum: the smallest of 1, 2, 5 or 10 times a
// power of ten that reaches max, so the five ticks read as round numbers.
func niceTop(max int) int {
	p := 1
	for p*10 <= max {
		p *= 10
	}
	for _, m := range []int{1, 2, 5} {
		if m*p >= max {
			return m * p
		}
	}
	return 10 * p
}
