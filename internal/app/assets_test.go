package app_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/assets"
	"mamori/internal/cloudcheck"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// TestLedgerUploadLimits: the import routes take files up to their own
// limit while every other route keeps the general one, and a 50 MB file
// is refused before it is read, with the limit in the user's language.
func TestLedgerUploadLimits(t *testing.T) {
	e := apptest.Start(t, dbtest.SQLite(t))
	f := seed(t, e)
	c := f.client(t, e, "sme_member")
	hdr := map[string]string{"Origin": e.URL, "Sec-Fetch-Site": "same-origin", "Content-Type": "text/csv"}
	big := bytes.Repeat([]byte("x"), 50<<20)
	r := e.Do(c, "POST", "/api/v1/orgs/"+f.org.Slug+"/assets/import", bytes.NewReader(big), hdr)
	expectStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(r.Body, "20 MB") {
		t.Fatalf("413 body lacks the limit: %s", r.Body)
	}
	hdr["Content-Type"] = "multipart/form-data; boundary=x"
	r = e.Do(c, "POST", "/orgs/"+f.org.Slug+"/assets/import?lang=en", bytes.NewReader(big), hdr)
	expectStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(r.Body, "at most 20 MB") {
		i := strings.Index(r.Body, "<main")
		t.Fatalf("413 page lacks the limit: %.800s", r.Body[i:])
	}
	// A 2 MB file fits the import route but not an ordinary form.
	mid := bytes.Repeat([]byte("x"), 2<<20)
	hdr["Content-Type"] = "application/x-www-form-urlencoded"
	r = e.Do(c, "POST", "/orgs/"+f.org.Slug+"/assets/new", bytes.NewReader(mid), hdr)
	expectStatus(t, r, http.StatusRequestEntityTooLarge)
	hdr["Content-Type"] = "text/csv"
	r = e.Do(c, "POST", "/api/v1/orgs/"+f.org.Slug+"/assets/import?dry_run=1", bytes.NewReader(mid), hdr)
	if r.Status == http.StatusRequestEntityTooLarge {
		t.Fatal("the import route refused a 2 MB file")
	}
	if n := e.Count(`SELECT COUNT(*) FROM assets`); n != 0 {
		t.Fatalf("refused uploads stored %d assets", n)
	}
}

// TestLedgerLinksCloudCheck: an asset kept in a cloud service links to
// that service's check, on the ledger and on the asset's page.
func TestLedgerLinksCloudCheck(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := seed(t, e)
		ctx := context.Background()
		a, err := assets.Create(ctx, e.DB, f.org.ID, assets.Input{Name: "見積書", C: "2", I: "2", A: "1", Medium: "cloud"}, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		svc, err := e.App.Cloud.Create(ctx, nil, f.org.ID, f.users["sme_owner"].ID, cloudcheck.Input{Name: "クラウド会計", Provider: "会計サービス社", AssetIDs: []string{a.ID}})
		if err != nil {
			t.Fatal(err)
		}
		c := f.client(t, e, "sme_member")
		link := `href="/orgs/` + f.org.Slug + `/cloud/` + svc.ID + `"`
		for _, p := range []string{"/orgs/" + f.org.Slug + "/assets", "/orgs/" + f.org.Slug + "/assets/" + a.ID} {
			r := e.Get(c, p)
			expectStatus(t, r, 200)
			if !strings.Contains(r.Body, link) || !strings.Contains(r.Body, "クラウド会計") {
				t.Fatalf("%s lacks the link to the cloud check", p)
			}
		}
	})
}

// TestCloudRecheckReminder: completing a service's check schedules a mail
// to the owners a year later; redoing the check before then makes the
// old reminder moot.
func TestCloudRecheckReminder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := seed(t, e)
		ctx := context.Background()
		owner := f.users["sme_owner"]
		svc, err := e.App.Cloud.Create(ctx, nil, f.org.ID, owner.ID, cloudcheck.Input{Name: "ファイル共有サービス"})
		if err != nil {
			t.Fatal(err)
		}
		var all cloudcheck.AnswersInput
		for i := range all {
			all[i].Answer = "yes"
		}
		if done, err := e.App.Cloud.SaveAnswers(ctx, nil, f.org.ID, owner.ID, svc.ID, all); err != nil || !done {
			t.Fatalf("complete: %v %v", done, err)
		}
		var runAt time.Time
		if err := e.DB.QueryRowContext(ctx, `SELECT run_at FROM jobs WHERE kind = 'cloudcheck.reminder'`).Scan(&runAt); err != nil {
			t.Fatal(err)
		}
		if d := time.Until(runAt); d < 364*24*time.Hour || d > 366*24*time.Hour {
			t.Fatalf("reminder due in %v, want a year", d)
		}
		e.App.Jobs.Drain(ctx)
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ?`, owner.Email); n != 0 {
			t.Fatal("reminder sent early")
		}
		// A year later the owner is mailed, with the link to the check.
		e.DB.ExecContext(ctx, `UPDATE jobs SET run_at = ? WHERE kind = 'cloudcheck.reminder'`, db.Now())
		if err := e.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ? AND body LIKE ? AND body LIKE ?`, owner.Email,
			"%ファイル共有サービス%", "%/orgs/"+f.org.Slug+"/cloud/"+svc.ID+"%"); n != 1 {
			t.Fatal("no reminder mail")
		}
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ?`, f.users["sme_member"].Email); n != 0 {
			t.Fatal("members other than owners were mailed")
		}
		// Redone before the reminder runs: the old reminder sends nothing.
		all[0].Answer = "no"
		e.App.Cloud.SaveAnswers(ctx, nil, f.org.ID, owner.ID, svc.ID, all)
		e.DB.ExecContext(ctx, `UPDATE jobs SET run_at = ? WHERE kind = 'cloudcheck.reminder' AND status = 'pending'`, db.Now())
		e.DB.ExecContext(ctx, `UPDATE cloud_services SET completed_at = ? WHERE id = ?`, db.Now().Add(time.Minute), svc.ID)
		e.App.Jobs.Drain(ctx)
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = ?`, owner.Email); n != 1 {
			t.Fatalf("a moot reminder was sent (%d mails)", n)
		}
	})
}
