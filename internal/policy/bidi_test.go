package policy

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

// TestPublicPolicyIsolatesStoredDirectionControls: a version published
// before direction controls were refused shows its company name and
// signer inside <bdi>, and a text line holding one is isolated from the
// lines after it; the page title drops them.
func TestPublicPolicyIsolatesStoredDirectionControls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "まもり精機", owner)
		legacy := "まもり精機\u202Egnp.exe"
		if _, err := d.ExecContext(ctx, `INSERT INTO policy_versions (id, org_id, version, lang, org_name, representative, representative_title, intro, h1, h2, h3, h4, h5, published_at)
			VALUES (?, ?, 1, 'ja', ?, ?, '代表取締役', ?, 'a', 'b', 'c', 'd', 'e', ?)`,
			db.NewID(), o.ID, legacy, "山田\u202E太郎", legacy+"の方針\n次の行", db.Now()); err != nil {
			t.Fatal(err)
		}
		hh := newHarness(t, d)
		w := hh.Get("/p/"+o.Slug+"/policy", "")
		expect(t, w, http.StatusOK, `<dd id="policy-company"><bdi>`+legacy+`</bdi></dd>`,
			`<dd id="policy-representative"><bdi>代表取締役 山田`+"\u202E"+`太郎</bdi></dd>`,
			`<p><bdi>`+legacy+`の方針</bdi><br>次の行</p>`)
		body := w.Body.String()
		if title := body[strings.Index(body, "<title>"):strings.Index(body, "</title>")]; strings.ContainsRune(title, '\u202E') {
			t.Errorf("title keeps U+202E: %q", title)
		}
	})
}
