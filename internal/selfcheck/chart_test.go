package selfcheck

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestChartsTakeTitleAndNoColours: the charts carry the title they are
// given (from the catalog) and leave every colour to the stylesheet.
func TestChartsTakeTitleAndNoColours(t *testing.T) {
	hex := regexp.MustCompile(`#[0-9a-fA-F]{3,6}\b`)
	parts := string(partsChart([]partView{{Number: 1, Title: "組織", Score: 10, Max: 20}, {Number: 2, Title: "技術", Score: -2, Max: 30}}, "Score <per> part"))
	trend := string(trendChart([]trendPoint{{At: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), Score: 40}, {At: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), Score: 60}}, "Score over time"))
	for name, c := range map[string]struct{ svg, title string }{
		"parts": {parts, `<title id="parts-chart-title">Score &lt;per&gt; part</title>`},
		"trend": {trend, `<title id="trend-title">Score over time</title>`},
	} {
		if !strings.Contains(c.svg, c.title) {
			t.Errorf("%s chart lacks %s", name, c.title)
		}
		if m := hex.FindString(c.svg); m != "" || strings.Contains(c.svg, "fill=") || strings.Contains(c.svg, "stroke=") {
			t.Errorf("%s chart sets a colour itself (%q)", name, m)
		}
	}
	for _, class := range []string{"part-label", "part-track", "part-score", "part-negative", "part-zero"} {
		if !strings.Contains(parts, `class="`+class+`"`) {
			t.Errorf("parts chart lacks class %s", class)
		}
	}
	for _, class := range []string{"trend-guide", "trend-label", "trend-point", "trend-line"} {
		if !strings.Contains(trend, `class="`+class+`"`) {
			t.Errorf("trend chart lacks class %s", class)
		}
	}
	css, err := os.ReadFile("../web/static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, class := range []string{"part-label", "part-track", "part-score", "part-negative", "part-zero", "trend-guide", "trend-label", "trend-point", "trend-line"} {
		if !strings.Contains(string(css), "svg.chart ."+class+" {") {
			t.Errorf("app.css does not colour .%s", class)
		}
	}
}
