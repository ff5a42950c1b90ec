package registry

import (
	"context"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

// TestStoredDirectionControlsIsolated: a name stored with U+202E before
// such names were refused is shown isolated on the public pages (<bdi>
// in the registry and on the verification page), so it cannot reorder
// the page around it; where no <bdi> is possible (the <title>, the SVG
// badge) the controls are dropped.
func TestStoredDirectionControlsIsolated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := f.declare(org.CreateInput{Name: "まもり精機"})
		legacy := "まもり精機\u202Egnp.exe"
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET org_name = ? WHERE id = ?`, legacy, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE orgs SET name = ? WHERE id = ?`, legacy, a.Org.ID); err != nil {
			t.Fatal(err)
		}
		if err := Sync(ctx, d, a.ID); err != nil {
			t.Fatal(err)
		}
		_, h := newHarness(t, d)

		for _, path := range []string{"/registry", "/registry?q=まもり", "/registry?lang=en"} {
			expect(t, get(h, path), 200, `"><bdi>`+legacy+"</bdi></a></th>")
		}
		w := get(h, "/v/"+a.Number)
		expect(t, w, 200, `<h2 id="verify-name"><bdi>`+legacy+`</bdi></h2>`)
		body := w.Body.String()
		title := body[strings.Index(body, "<title>"):strings.Index(body, "</title>")]
		if strings.ContainsRune(title, '\u202E') {
			t.Errorf("title keeps U+202E: %q", title)
		}
		if n := strings.Count(body, "\u202E"); n != 1 {
			t.Errorf("U+202E appears %d times on the verification page, want once, inside <bdi>", n)
		}
		w = get(h, "/v/"+a.Number+"/badge.svg")
		expect(t, w, 200, "まもり精機gnp.exe")
		if strings.ContainsRune(w.Body.String(), '\u202E') {
			t.Error("badge draws U+202E")
		}
	})
}
