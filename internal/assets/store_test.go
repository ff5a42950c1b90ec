package assets

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// newOrg inserts a bare organisation row for the ledger tests.
func newOrg(t *testing.T, d *db.DB, slug string) string {
	t.Helper()
	id := db.NewID()
	if _, err := d.ExecContext(context.Background(), `INSERT INTO orgs (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		id, slug, slug, db.Now(), db.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org, other := newOrg(t, d, "yamada"), newOrg(t, d, "suzuki")
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		mk := func(orgID string, in Input) *Asset {
			t.Helper()
			a, err := Create(ctx, d, orgID, in, now)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		cust := mk(org, Input{BusinessArea: "営業", Name: "顧客名簿", Storage: "事務所PC", PersonalData: "personal", C: "1", I: "1", A: "1", RegisteredOn: "2026/04/01"})
		pay := mk(org, Input{BusinessArea: "総務", Name: "給与台帳", PersonalData: "my_number", C: "2", I: "2", A: "1"})
		site := mk(org, Input{Name: "Webサイト", C: " 1 ", I: "3", A: "2"})
		theirs := mk(other, Input{Name: "他社の資料", C: "3", I: "3", A: "3"})

		if cust.Position != 1 || site.Position != 3 || theirs.Position != 1 || cust.RegisteredOn != "2026-04-01" || site.PersonalData != PersonalNone {
			t.Errorf("positions/normalisation: %+v %+v %+v", cust, site, theirs)
		}
		if imp := cust.Importance(); imp.Value != 2 || imp.Rule != "assets.importance.personal" {
			t.Errorf("customer list importance %+v", imp)
		}
		if pay.Importance().Value != 3 || site.Importance().Value != 3 {
			t.Errorf("importance: payroll %v, site %v", pay.Importance(), site.Importance())
		}

		names := func(f Filter) string {
			t.Helper()
			as, err := List(ctx, d.Read(), org, f)
			if err != nil {
				t.Fatal(err)
			}
			var ns []string
			for _, a := range as {
				ns = append(ns, a.Name)
			}
			return strings.Join(ns, ",")
		}
		for f, want := range map[*Filter]string{
			{}:                               "顧客名簿,給与台帳,Webサイト",
			{Sort: "importance"}:             "給与台帳,Webサイト,顧客名簿",
			{Sort: "name"}:                   "Webサイト,給与台帳,顧客名簿",
			{PersonalData: PersonalMyNumber}: "給与台帳",
			{MinImportance: 3}:               "給与台帳,Webサイト",
			{Text: "pc"}:                     "顧客名簿",
			{Text: "総務"}:                     "給与台帳",
		} {
			if got := names(*f); got != want {
				t.Errorf("List(%+v) = %s, want %s", *f, got, want)
			}
		}
		if _, err := List(ctx, d, org, Filter{Sort: "size"}); err == nil {
			t.Error("unknown sort accepted")
		}

		// Another organisation's asset is not found through this one.
		if _, err := Get(ctx, d, org, theirs.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Get across organisations: %v", err)
		}
		if _, err := Update(ctx, d, org, theirs.ID, Input{Name: "x", C: "1", I: "1", A: "1"}, now); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Update across organisations: %v", err)
		}
		if err := Delete(ctx, d, org, theirs.ID, now); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Delete across organisations: %v", err)
		}
		if _, err := Duplicate(ctx, d, org, theirs.ID, "copy", now); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("Duplicate across organisations: %v", err)
		}

		// Update, duplicate, delete and restore.
		later := now.Add(time.Hour)
		up, err := Update(ctx, d, org, site.ID, Input{Name: "Webサイト（本番）", C: "1", I: "2", A: "2", PersonalData: "none"}, later)
		if err != nil || up.Name != "Webサイト（本番）" || up.Importance().Value != 2 || !up.UpdatedAt.Equal(later) || up.Position != 3 {
			t.Fatalf("update: %+v %v", up, err)
		}
		cp, err := Duplicate(ctx, d, org, cust.ID, "顧客名簿（コピー）", later)
		if err != nil || cp.Position != 4 || cp.Storage != "事務所PC" || cp.ID == cust.ID {
			t.Fatalf("duplicate: %+v %v", cp, err)
		}
		if err := Delete(ctx, d, org, pay.ID, later); err != nil {
			t.Fatal(err)
		}
		if err := Delete(ctx, d, org, pay.ID, later); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if got := names(Filter{}); got != "顧客名簿,Webサイト（本番）,顧客名簿（コピー）" {
			t.Errorf("after delete: %s", got)
		}
		if got := names(Filter{Deleted: true}); got != "給与台帳" {
			t.Errorf("deleted list: %s", got)
		}
		if _, err := Update(ctx, d, org, pay.ID, Input{Name: "x", C: "1", I: "1", A: "1"}, later); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("update of a deleted asset: %v", err)
		}
		if err := Restore(ctx, d, org, pay.ID, later); err != nil {
			t.Fatal(err)
		}
		if got := names(Filter{}); got != "顧客名簿,給与台帳,Webサイト（本番）,顧客名簿（コピー）" {
			t.Errorf("after restore: %s", got)
		}

		// Bad input names every bad field and writes nothing.
		_, err = Create(ctx, d, org, Input{Name: " ", PersonalData: "pii", C: "0", I: "x", A: "4", RegisteredOn: "2026-13-40",
			Notes: strings.Repeat("あ", 2001), Users: "a\x00b"}, now)
		e := apperr.From(err)
		want := map[string]string{"name": "assets.err.name_required", "personal_data": "assets.err.personal_data", "confidentiality": "assets.err.rating",
			"integrity": "assets.err.rating", "availability": "assets.err.rating", "registered_on": "assets.err.date", "notes": "assets.err.text", "users": "assets.err.text"}
		if e == nil || e.Code != apperr.Invalid || len(e.Fields) != len(want) {
			t.Fatalf("bad input: %v", err)
		}
		for f, k := range want {
			if e.Fields[f] != k {
				t.Errorf("field %s: %q, want %q", f, e.Fields[f], k)
			}
		}
		if got := names(Filter{}); strings.Count(got, ",") != 3 {
			t.Errorf("bad input wrote something: %s", got)
		}
	})
}
