package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/apptest"
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
		i := strings.Index(r.Body, "<main"); t.Fatalf("413 page lacks the limit: %.800s", r.Body[i:])
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
