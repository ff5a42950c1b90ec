package i18n

import "time"

// jst is the zone mamori shows and reads times in: every user of the
// programme is in Japan, whatever the server's zone.
var jst = time.FixedZone("JST", 9*60*60)

// Zone is Japan Standard Time, the zone of every date shown and every
// date or time a user types (forms, NDA days, file names), so a date never
// moves with the server's zone.
func Zone() *time.Location { return jst }

// dateLayout is the one way each language writes a date; DateTime adds
// the time to it, so a day reads the same in a table and in a document.
func dateLayout(lang string) string {
	if lang == "en" {
		return "2 January 2006"
	}
	return "2006年1月2日"
}

// Date is t's day in Japan in lang: "2025年4月1日" or "1 April 2025"; a
// zero time is empty, so a missing date shows as nothing.
func Date(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(jst).Format(dateLayout(lang))
}

// DateTime is Date with the time in Japan: "2025年4月1日 10:00" or
// "1 April 2025 10:00 JST" (English readers may be elsewhere, so the zone
// is named).
func DateTime(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	if lang == "en" {
		return t.In(jst).Format(dateLayout(lang) + " 15:04 MST")
	}
	return t.In(jst).Format(dateLayout(lang) + " 15:04")
}

// Day is t's day in Japan as an ISO date (2025-04-01), for values that are
// data rather than text: compared days, chart axes, file names.
func Day(t time.Time) string { return t.In(jst).Format(time.DateOnly) }
