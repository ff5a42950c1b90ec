package sharing

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"mamori/internal/db"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
)

// What a share keeps besides what members see is as confidential as the
// raw mail: the sanitiser's redaction list holds the originals (recipients'
// addresses and names, the reporter, internal hosts and addresses, link
// tokens), the coordinators' extra words to remove are names, and the
// reporter's request for changes quotes what must go. Each is sealed like
// the raw mail (masterkey, the share's id as context), under a purpose of
// its own, so a value copied to another column does not open either.
// The shared version is sealed too: a proposal holds whatever the
// sanitiser missed until a coordinator removes it (the extra words are
// found that way), and a released share is under its TLP.
const (
	sealRedactions = "share redactions"
	sealShared     = "share sanitized"
	sealTerms      = "share redact terms"
	sealNote       = "share change note"
)

// Redaction is one change of the sanitiser as the coordinators see it:
// the original (Before), what replaced it with the keyed pseudonym they
// correlate on (After), and what members see in its place (Shared: After
// with pseudonyms numbered for this share), when different.
type Redaction struct {
	mailparse.Redaction
	Shared string `json:"shared,omitempty"`
}

// redactionRecord is what sealed_redactions holds: the redactions of each
// mail, and the numbers this share gives its keyed pseudonyms (hex →
// number), so an edit numbers alike.
type redactionRecord struct {
	Mails   [][]Redaction  `json:"mails"`
	Numbers map[string]int `json:"numbers,omitempty"`
}

// sealedCols are a share's sealed columns as read, and the columns that
// held the same values in clear before issue 11 (read only while a row
// has not been sealed yet, see SealLegacy).
type sealedCols struct {
	shared, red, terms, note                     []byte
	clearShared, clearRed, clearTerms, clearNote string
}

// open opens one of the share's sealed values, or gives the value an
// older server stored in clear.
func (s *Share) open(box *masterkey.Box, purpose string, sealed []byte, clear string) (string, error) {
	if sealed == nil {
		return clear, nil
	}
	b, err := box.Open(purpose, sealed, []byte(s.ID))
	if err != nil {
		return "", fmt.Errorf("share %s: %s: %w", s.ID, purpose, err)
	}
	return string(b), nil
}

// OpenShared fills Sanitized, the shared version, for the pages that show
// it (members' and coordinators').
func (s *Share) OpenShared(box *masterkey.Box) error {
	if s.Sanitized != "" || s.sealed.shared == nil && s.sealed.clearShared == "" {
		return nil
	}
	var err error
	s.Sanitized, err = s.open(box, sealShared, s.sealed.shared, s.sealed.clearShared)
	return err
}

// Open fills the share's confidential fields (Redactions, Numbers,
// RedactTerms, ChangeNote, and Sanitized) from their sealed columns. Only
// the coordinators' pages and the writes that need them call it; what
// members read never holds them.
func (s *Share) Open(box *masterkey.Box) error {
	if s.opened {
		return nil
	}
	if err := s.OpenShared(box); err != nil {
		return err
	}
	open := func(purpose string, sealed []byte, clear string) (string, error) {
		return s.open(box, purpose, sealed, clear)
	}
	red, err := open(sealRedactions, s.sealed.red, s.sealed.clearRed)
	if err != nil {
		return err
	}
	if s.Redactions, s.Numbers, err = decodeRedactions(red); err != nil {
		return err
	}
	terms, err := open(sealTerms, s.sealed.terms, s.sealed.clearTerms)
	if err != nil {
		return err
	}
	s.RedactTerms = nil
	if terms != "" {
		s.RedactTerms = strings.Split(terms, "\n")
	}
	if s.ChangeNote, err = open(sealNote, s.sealed.note, s.sealed.clearNote); err != nil {
		return err
	}
	s.opened = true
	return nil
}

// decodeRedactions reads a redaction record, or the list stored in clear
// before issue 11 (the mails' lists alone).
func decodeRedactions(s string) ([][]Redaction, map[string]int, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, nil, nil
	case strings.HasPrefix(s, "["):
		var mails [][]Redaction
		err := json.Unmarshal([]byte(s), &mails)
		return mails, nil, err
	}
	var r redactionRecord
	err := json.Unmarshal([]byte(s), &r)
	return r.Mails, r.Numbers, err
}

// sealRecord seals a share's redactions with its pseudonyms' numbers.
func sealRecord(box *masterkey.Box, shareID string, mails [][]Redaction, numbers map[string]int) ([]byte, error) {
	b, err := json.Marshal(redactionRecord{Mails: mails, Numbers: numbers})
	if err != nil {
		return nil, err
	}
	return box.Seal(sealRedactions, b, []byte(shareID)), nil
}

// sealText seals a text for purpose, or gives NULL for an empty one.
func sealText(box *masterkey.Box, purpose, shareID, text string) []byte {
	if text == "" {
		return nil
	}
	return box.Seal(purpose, []byte(text), []byte(shareID))
}

// numberShare gives the pseudonyms of a share's mails their numbers for
// members, in the order members meet them, and marks each redaction with
// what members see in its place. numbers may hold earlier numbers (an
// edit) and is extended.
func numberShare(sanitized string, mails [][]Redaction, numbers map[string]int) string {
	out := mailparse.NumberPseudonyms(sanitized, numbers)
	for _, list := range mails {
		for i := range list {
			if shared := mailparse.NumberPseudonyms(list[i].After, numbers); shared != list[i].After {
				list[i].Shared = shared
			}
		}
	}
	return out
}

// SealLegacy seals what the hub stored in clear before issue 11 (shares'
// shared versions, redactions, extra words and change notes; reports'
// forms and mail file names) and numbers the shares' pseudonyms for
// members, row by row. It runs at start (the key is not in the database,
// so a migration cannot), and again finds nothing to do; a row sealed
// meanwhile by another instance is left alone. When it sealed anything,
// the storage is rewritten so the originals do not linger in free pages:
// on SQLite the file is vacuumed and its write-ahead log truncated, on
// PostgreSQL share_shares and share_reports are rewritten (VACUUM FULL;
// small tables). share_report_mails, which holds the sealed mail files
// and may be large, is left to the operator (docs/operations.md): only
// file names were in clear there. The rewrite is owed from before the
// first row is sealed until it is done (a row in settings), so a start
// interrupted between the two, or one whose rewrite failed, leaves the
// next start to do it. It returns the rows sealed.
func SealLegacy(ctx context.Context, d *db.DB, box *masterkey.Box) (int, error) {
	owed := func() error {
		_, err := d.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, 'owed') ON CONFLICT (key) DO NOTHING`, sealRewriteKey)
		return err
	}
	n, err := sealLegacyShares(ctx, d, box, owed)
	if err != nil {
		return n, err
	}
	k, err := sealLegacyReports(ctx, d, box, owed)
	if n += k; err != nil {
		return n, err
	}
	var pending int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = ?`, sealRewriteKey).Scan(&pending); err != nil {
		return n, err
	}
	if pending == 0 && n == 0 {
		// An instance starting beside this one may have done the
		// rewrite and cleared the row while this one was still
		// sealing: what this one sealed, it rewrites itself.
		return n, nil
	}
	if err := d.RewriteStorage(ctx, "share_shares", "share_reports"); err != nil {
		return n, fmt.Errorf("after sealing the hub's stored originals: %w", err)
	}
	if _, err := d.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, sealRewriteKey); err != nil {
		return n, err
	}
	return n, nil
}

// sealRewriteKey is the settings row that says the storage still holds
// originals SealLegacy sealed and must be rewritten.
const sealRewriteKey = "seal legacy: storage rewrite owed"

// sealLegacyShares seals the shares stored in clear.
func sealLegacyShares(ctx context.Context, d *db.DB, box *masterkey.Box, owed func() error) (int, error) {
	rows, err := d.QueryContext(ctx, `SELECT id, title, analysis, sanitized, redactions, redact_terms, change_note FROM share_shares WHERE sealed_redactions IS NULL`)
	if err != nil {
		return 0, err
	}
	type legacy struct{ id, title, analysis, sanitized, red, terms, note string }
	var todo []legacy
	for rows.Next() {
		var l legacy
		if err := rows.Scan(&l.id, &l.title, &l.analysis, &l.sanitized, &l.red, &l.terms, &l.note); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(todo) > 0 {
		if err := owed(); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, l := range todo {
		mails, numbers, err := decodeRedactions(l.red)
		if err != nil {
			return n, fmt.Errorf("share %s: redactions: %w", l.id, err)
		}
		if numbers == nil {
			numbers = map[string]int{}
		}
		sanitized := numberShare(l.sanitized, mails, numbers)
		title, analysis := mailparse.NumberPseudonyms(l.title, numbers), mailparse.NumberPseudonyms(l.analysis, numbers)
		rec, err := sealRecord(box, l.id, mails, numbers)
		if err != nil {
			return n, err
		}
		res, err := d.ExecContext(ctx, `UPDATE share_shares SET title = ?, analysis = ?, sealed_sanitized = ?, sanitized = '', sealed_redactions = ?, redactions = '',
			sealed_redact_terms = ?, redact_terms = '', sealed_change_note = ?, change_note = '' WHERE id = ? AND sealed_redactions IS NULL`,
			title, analysis, sealText(box, sealShared, l.id, sanitized), rec, sealText(box, sealTerms, l.id, l.terms), sealText(box, sealNote, l.id, l.note), l.id)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

// sealLegacyReports seals the report forms and mail file names stored in
// clear.
func sealLegacyReports(ctx context.Context, d *db.DB, box *masterkey.Box, owed func() error) (int, error) {
	type legacy struct{ id, a, b string }
	read := func(q string) ([]legacy, error) {
		return db.Collect(ctx, d, func(r db.Scanner) (legacy, error) {
			var l legacy
			err := r.Scan(&l.id, &l.a, &l.b)
			return l, err
		}, q)
	}
	n := 0
	count := func(res sql.Result, err error) error {
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
		return nil
	}
	reports, err := read(`SELECT id, summary, actions FROM share_reports WHERE sealed_form IS NULL`)
	if err != nil {
		return 0, err
	}
	mails, err := read(`SELECT id, filename, '' FROM share_report_mails WHERE sealed_filename IS NULL`)
	if err != nil {
		return 0, err
	}
	if len(reports)+len(mails) > 0 {
		if err := owed(); err != nil {
			return 0, err
		}
	}
	for _, l := range reports {
		if err := count(d.ExecContext(ctx, `UPDATE share_reports SET sealed_form = ?, summary = '', actions = '' WHERE id = ? AND sealed_form IS NULL`,
			sealReportForm(box, l.id, l.a, l.b), l.id)); err != nil {
			return n, err
		}
	}
	for _, l := range mails {
		if err := count(d.ExecContext(ctx, `UPDATE share_report_mails SET sealed_filename = ?, filename = '' WHERE id = ? AND sealed_filename IS NULL`,
			box.Seal(sealMailName, []byte(l.a), []byte(l.id)), l.id)); err != nil {
			return n, err
		}
	}
	return n, nil
}
