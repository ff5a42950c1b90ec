package registry

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

func TestPageLinks(t *testing.T) {
	show := func(ls []pageLink) string {
		var parts []string
		for _, l := range ls {
			switch {
			case l.Gap:
				parts = append(parts, "…")
			case l.Current:
				parts = append(parts, fmt.Sprintf("[%d]", l.Num))
			default:
				parts = append(parts, fmt.Sprint(l.Num))
			}
			if !l.Gap && l.URL != fmt.Sprintf("/p%d", l.Num) {
				t.Errorf("page %d links to %q", l.Num, l.URL)
			}
		}
		return strings.Join(parts, " ")
	}
	link := func(p int) string { return fmt.Sprintf("/p%d", p) }
	for _, c := range []struct {
		cur, last int
		want      string
	}{
		{1, 1, ""},
		{1, 0, ""},
		{1, 2, "[1] 2"},
		{1, 5, "[1] 2 3 4 5"},
		{1, 13, "[1] 2 3 … 13"},
		{4, 13, "1 2 3 [4] 5 6 … 13"},
		{5, 13, "1 2 3 4 [5] 6 7 … 13"},
		{7, 13, "1 … 5 6 [7] 8 9 … 13"},
		{10, 13, "1 … 8 9 [10] 11 12 13"},
		{13, 13, "1 … 11 12 [13]"},
		{20, 13, "1 … 13"}, // past the end: no current page
		{500, 1000, "1 … 498 499 [500] 501 502 … 1000"},
	} {
		if got := show(pageLinks(c.cur, c.last, link)); got != c.want {
			t.Errorf("pageLinks(%d, %d) = %q, want %q", c.cur, c.last, got, c.want)
		}
	}
}

// Results show the corporate number (telling apart organisations of the
// same name), the total and numbered pages, in both languages; the JSON
// items carry the corporate number too.
func TestResultsCorporateNumberAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var made []declared
		corps := map[string]string{}
		for i := range 25 {
			in := org.CreateInput{Name: "株式会社さくら", Prefecture: "13", Industry: "E"}
			if i%2 == 0 {
				in.CorporateNumber = corpNumber(t, fmt.Sprintf("5%011d", i+1))
			}
			x := f.declare(in)
			made = append(made, x)
			corps[x.Number] = in.CorporateNumber
		}
		_, h := newHarness(t, d)

		w := get(h, "/api/v1/registry?per_page=100&q="+url.QueryEscape("さくら"))
		expect(t, w, 200)
		var r struct {
			Total int `json:"total"`
			Items []map[string]any
		}
		if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil || r.Total != 25 || len(r.Items) != 25 {
			t.Fatalf("%v %d %d", err, r.Total, len(r.Items))
		}
		for _, it := range r.Items {
			if len(it) != 8 {
				t.Errorf("item has %d fields, want the seven of before and corporate_number: %v", len(it), it)
			}
			if it["corporate_number"] != corps[it["number"].(string)] {
				t.Errorf("item %v: corporate number, want %q", it, corps[it["number"].(string)])
			}
		}

		// Page 7 of 13 (two a page), newest first.
		w = get(h, "/registry?per_page=2&page=7&q="+url.QueryEscape("さくら"))
		body := w.Body.String()
		expect(t, w, 200, "25 件", "（7 / 13 ページ）", `rel="prev"`, `rel="next"`, `aria-current="page"`, "法人番号")
		current := regexp.MustCompile(`<a href="([^"]*)" aria-label="([^"]*)" aria-current="page">(\d+)</a>`).FindAllStringSubmatch(body, -1)
		if len(current) != 1 || current[0][3] != "7" || current[0][2] != "7 ページ目" || !strings.Contains(current[0][1], "page=7") {
			t.Errorf("current page: %v", current)
		}
		nums := regexp.MustCompile(`aria-label="(\d+) ページ目"`).FindAllStringSubmatch(body, -1)
		var seen []string
		for _, n := range nums {
			seen = append(seen, n[1])
		}
		if strings.Join(seen, " ") != "1 5 6 7 8 9 13" || strings.Count(body, `<span class="gap">…</span>`) != 2 {
			t.Errorf("pages %v in\n%s", seen, body)
		}
		// Rows 13 and 14 counted from the newest: made[11] and made[12]
		// (made[12] is numbered evenly, so it has a corporate number).
		for _, x := range []declared{made[12], made[11]} {
			if !strings.Contains(body, `href="/v/`+x.Number+`"`) {
				t.Errorf("page 7 lacks %s", x.Number)
			}
		}
		expect(t, w, 200, `data-label="法人番号"><span class="mono">`+corps[made[12].Number]+`</span></td>`, `data-label="法人番号"><span class="muted">なし</span>`)

		// English: the same, in its words.
		w = get(h, "/registry?lang=en&per_page=2&page=13&q="+url.QueryEscape("さくら"))
		expect(t, w, 200, `role="status">25 results (page 13 of 13)`, `aria-label="Page 13" aria-current="page">13</a>`, `aria-label="Page 1"`,
			`rel="prev"`, "Corporate number", `data-label="Corporate number"><span class="mono">`+corps[made[0].Number]+`</span></td>`)
		if strings.Contains(w.Body.String(), `rel="next"`) {
			t.Error("last page offers a next page")
		}
		// One page: no pager.
		w = get(h, "/registry?per_page=50&q="+url.QueryEscape("さくら"))
		expect(t, w, 200, "25 件")
		if strings.Contains(w.Body.String(), "registry-pager") {
			t.Error("a single page has a pager")
		}
	})
}
