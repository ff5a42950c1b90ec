package web

import (
	"context"
	"io/fs"
	"time"

	"mamori/internal/db"
)

// Capability is what one capability package tells the app about itself,
// so the app registers its templates, catalogs, static files, cleanups
// and readiness items from one value instead of one parallel list each,
// and adding a capability is one line. It lives in web, which imports no
// capability, so every capability may return one.
type Capability struct {
	// Name prefixes its pages ("assets/list") and static files
	// (/static/<Name>/…).
	Name string
	// Templates holds its pages under templates/; nil for none.
	Templates fs.FS
	// Locales holds its catalogs ja.json and en.json.
	Locales fs.FS
	// Static holds its own stylesheets and scripts; nil for none.
	Static fs.FS
	// Routes registers its routes, each with its authorization rule.
	Routes func(rt *Router)
	// Cleanup deletes what has expired by now; housekeeping runs each
	// every ten minutes.
	Cleanup []Cleanup
	// Readiness lists the organisation's security work this capability
	// owns, for the organisation's page; base is the organisation's path
	// ("/orgs/<slug>"). Nil for none.
	Readiness func(ctx context.Context, q db.Querier, orgID, base string, now time.Time) ([]ReadinessItem, error)
}

// Cleanup is one deletion of expired rows, named for the log.
type Cleanup struct {
	Name string
	Run  func(ctx context.Context, q db.Querier, now time.Time) error
}

// ReadinessItem is one piece of an organisation's security work as its
// page lists it.
type ReadinessItem struct {
	// Key is the message key naming the work; Note a translated detail
	// key with Args ("3 of 5 services checked"), a count among them as
	// i18n.Count so the page can write "1 asset" in English.
	Key, Note string
	Args      []any
	Path      string // where to do it
	Done      bool
	// Stars is the declaration level this work is a condition of: 1 for
	// one star, 2 for two stars, 0 for work beyond the declaration. The
	// dashboard shows the progress toward each level from these items, so
	// the conditions are stated once, by the capability that checks them.
	Stars int
}
