package incident

import (
	"net/url"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

// Bounds of an incident entry's fields.
const (
	maxTitle       = 200
	maxDescription = 4000
	maxImpact      = 2000
	maxActions     = 4000
	// clockSlack lets a time typed a few minutes ahead of the server's
	// clock through; anything later is a typing mistake.
	clockSlack = 10 * time.Minute
)

// earliest is the first time an entry may name: older is a typing mistake.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// localLayout is the value format of <input type="datetime-local">.
const localLayout = "2006-01-02T15:04"

// localInput formats t for a datetime-local field, in JST (i18n.Zone),
// the zone the pages show times in.
func localInput(t time.Time) string { return t.In(i18n.Zone()).Format(localLayout) }

// parseLocal reads a datetime-local value (JST), with or without seconds;
// a space instead of the T is accepted for browsers without the widget.
func parseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 32 {
		return time.Time{}, false
	}
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, i18n.Zone()); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// EntryInput is an incident entry as submitted.
type EntryInput struct {
	Title, Description string
	// FoundAt is when the incident was found, as typed (datetime-local,
	// JST).
	FoundAt         string
	Impact, Actions string
}

// entry is a checked EntryInput.
type entry struct {
	Title, Description, Impact, Actions string
	FoundAt                             time.Time
}

// normalize checks every field at once and returns the cleaned values;
// now bounds the time found.
func (in EntryInput) normalize(now time.Time) (entry, error) {
	fields := apperr.FieldSet{}
	var out entry
	var ok bool
	if out.Title, ok = web.CleanText(in.Title, maxTitle); !ok {
		fields.Add("title", web.TextKey(in.Title, "incident.title_invalid"))
	} else if out.Title == "" {
		fields.Add("title", "incident.title_required")
	}
	var problem string
	if out.Description, problem = cleanBody(in.Description, maxDescription); problem != "" {
		fields.Add("description", problem)
	}
	if out.Impact, problem = cleanBody(in.Impact, maxImpact); problem != "" {
		fields.Add("impact", problem)
	}
	if out.Actions, problem = cleanBody(in.Actions, maxActions); problem != "" {
		fields.Add("actions", problem)
	}
	if strings.TrimSpace(in.FoundAt) == "" {
		fields.Add("found_at", "incident.found_at_required")
	} else if t, ok := parseLocal(in.FoundAt); !ok || t.Before(earliest) {
		fields.Add("found_at", "incident.date_invalid")
	} else if t.After(now.Add(clockSlack)) {
		fields.Add("found_at", "incident.date_future")
	} else {
		out.FoundAt = t
	}
	return out, fields.Err()
}

// closingTime checks the time typed in the close form: empty means now;
// otherwise not before the incident was found and not in the future.
func closingTime(raw string, foundAt, now time.Time) (time.Time, error) {
	if strings.TrimSpace(raw) == "" {
		// "Now", but never before the time found, which may stand a few
		// minutes ahead of the server's clock.
		if now.Before(foundAt) {
			return foundAt, nil
		}
		return now, nil
	}
	t, ok := parseLocal(raw)
	switch {
	case !ok || t.Before(earliest):
		return t, apperr.Field("closed_at", "incident.date_invalid")
	case t.After(now.Add(clockSlack)):
		return t, apperr.Field("closed_at", "incident.date_future")
	case t.Before(foundAt):
		return t, apperr.Field("closed_at", "incident.closed_before_found")
	}
	return t, nil
}

// entryFormOf is an incident as form values.
func entryFormOf(i *Incident) url.Values {
	return url.Values{"title": {i.Title}, "description": {i.Description}, "found_at": {localInput(i.FoundAt)},
		"impact": {i.Impact}, "actions": {i.Actions}, fieldRevision: {itoa(i.Revision)}}
}

func entryInputFromForm(f *web.Form) EntryInput {
	return EntryInput{Title: f.Get("title"), Description: f.Get("description"), FoundAt: f.Get("found_at"),
		Impact: f.Get("impact"), Actions: f.Get("actions")}
}
