package org

import (
	"context"
	"strings"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/jobs"
	"mamori/internal/mail"
	"mamori/internal/org/jp"
	"mamori/internal/web"
	"mamori/internal/webtest"
)

func testCatalog(t testing.TB) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.Load(web.Locales(), auth.Locales(), Locales(), mail.Locales(), audit.Locales())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// newTestService wires a Service the way app.Build does, with mail kept
// in the outbox (no SMTP) so tests can read what was sent.
func newTestService(t testing.TB, d *db.DB) *Service {
	t.Helper()
	cat := testCatalog(t)
	rd, log := webtest.Pages(t, cat, "org", Templates)
	rd.Signup = true
	cfg := config.Default()
	cfg.BaseURL = "https://mamori.example"
	m := mail.New(d, jobs.New(d, log), "", "mamori <no-reply@mamori.example>")
	return &Service{DB: d, Cfg: cfg, Log: log, Mail: m, Catalog: cat, Render: rd}
}

func newUser(t testing.TB, d *db.DB, email string, verified bool) string {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), d, email, strings.Split(email, "@")[0], "", "ja", verified)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// corp returns a valid corporate number with the given 12-digit base.
func corp(t testing.TB, twelve string) string {
	t.Helper()
	cd, err := jp.CorporateNumberCheckDigit(twelve)
	if err != nil {
		t.Fatal(err)
	}
	return string(cd) + twelve
}

func ptr[T any](v T) *T { return &v }

// fieldsOf returns an application error's field keys, failing when err
// is not an application error of the wanted code.
func fieldsOf(t testing.TB, err error, code apperr.Code) map[string]string {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got nil", code)
	}
	e := apperr.From(err)
	if e.Code != code {
		t.Fatalf("want code %s, got %v", code, err)
	}
	return e.Fields
}

func wantKey(t testing.TB, err error, code apperr.Code, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s/%s, got nil", code, key)
	}
	e := apperr.From(err)
	if e.Code != code || e.Key != key {
		t.Fatalf("want %s/%s, got %s/%s (%v)", code, key, e.Code, e.Key, err)
	}
}
