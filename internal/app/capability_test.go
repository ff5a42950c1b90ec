package app_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"mamori/internal/app"
	"mamori/internal/apptest"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/web"
)

// TestCapabilitiesRegisteredOnce: every capability is listed once with its
// catalogs, and registering one twice (its pages, its static files or its
// catalogs) fails instead of one silently replacing the other.
func TestCapabilitiesRegisteredOnce(t *testing.T) {
	caps := app.Capabilities()
	seen := map[string]bool{}
	for _, c := range caps {
		if c.Name == "" || c.Locales == nil || c.Routes == nil {
			t.Errorf("capability %q: no name, catalogs or routes", c.Name)
		}
		if seen[c.Name] {
			t.Errorf("capability %s listed twice", c.Name)
		}
		seen[c.Name] = true
	}
	cat, err := i18n.Load(app.LocaleSources()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i18n.Load(append(app.LocaleSources(), caps[len(caps)-1].Locales)...); err == nil {
		t.Error("a capability's catalogs loaded twice without an error")
	}
	newRenderer := func() *web.Renderer {
		rd, err := web.NewRenderer(cat, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	if err := app.RegisterForTest(newRenderer(), caps); err != nil {
		t.Fatalf("registering the capabilities: %v", err)
	}
	for _, c := range caps {
		if err := app.RegisterForTest(newRenderer(), append(caps, c)); err == nil {
			t.Errorf("capability %s registered twice without an error", c.Name)
		}
	}
}

// TestReadinessFromOwners: each readiness item on the organisation's page
// comes from the capability that owns the work, under its own catalog
// keys, and the page lists them all in the capabilities' order.
func TestReadinessFromOwners(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("owner@example.jp", "owner password 1")
		o, err := e.App.Orgs.Create(ctx, e.DB, nil, u.ID, org.CreateInput{Name: "山田精機"})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		owners := map[string]bool{}
		for _, c := range app.Capabilities() {
			if c.Readiness == nil {
				continue
			}
			items, err := c.Readiness(ctx, e.DB, o.ID, "/orgs/"+o.Slug, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(items) == 0 {
				t.Errorf("%s: no readiness items", c.Name)
			}
			own, err := i18n.Load(c.Locales)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if !own.Has(it.Key) || !own.Has(it.Note) {
					t.Errorf("%s: item %q/%q under another capability's keys", c.Name, it.Key, it.Note)
				}
				want = append(want, it.Key)
			}
			owners[c.Name] = true
		}
		for _, n := range []string{"assets", "controls", "cloudcheck", "incident"} {
			if !owners[n] {
				t.Errorf("%s gives no readiness items", n)
			}
		}
		got, err := e.App.Orgs.Readiness(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, it := range got {
			keys = append(keys, it.Key)
		}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("page items %v, want %v", keys, want)
		}
	})
}

// TestHooksSet: every cross-capability hook a service declares as a func
// field is set by Build, so none is found nil only when a page calls it.
// Now, the clock tests replace, is optional: nil means time.Now.
func TestHooksSet(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := reflect.ValueOf(e.App).Elem()
		for i := 0; i < a.NumField(); i++ {
			f := a.Field(i)
			if !a.Type().Field(i).IsExported() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.Struct {
				continue
			}
			s := f.Elem()
			for j := 0; j < s.NumField(); j++ {
				sf := s.Type().Field(j)
				if sf.IsExported() && sf.Name != "Now" && sf.Type.Kind() == reflect.Func && s.Field(j).IsNil() {
					t.Errorf("App.%s.%s is nil after Build", a.Type().Field(i).Name, sf.Name)
				}
			}
		}
	})
}
