package correlate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

var t0 = time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)

func hash(n int) string { return fmt.Sprintf("%064x", n+1) }

func mustAdd(t *testing.T, d *db.DB, id string, at time.Time, inds ...Indicator) {
	t.Helper()
	if err := Add(context.Background(), d, id, at, inds); err != nil {
		t.Fatalf("Add %s: %v", id, err)
	}
}

// checkCounts proves the store's invariants: every value's count is the
// number of reports holding it, and no value is held by none.
func checkCounts(t *testing.T, q db.Querier) {
	t.Helper()
	var bad int
	err := q.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM correlation_values v
		WHERE v.reports <> (SELECT COUNT(*) FROM correlation_indicators i WHERE i.value_id = v.id) OR v.reports = 0`).Scan(&bad)
	if err != nil || bad != 0 {
		t.Fatalf("values with a wrong count: %d, %v", bad, err)
	}
}

func count(t *testing.T, q db.Querier, table string) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// linkSummary writes links as "id[kind,kind]" for comparison.
func linkSummary(ls []Link) string {
	var parts []string
	for _, l := range ls {
		var ks []string
		for _, in := range l.Shared {
			ks = append(ks, string(in.Kind))
		}
		parts = append(parts, l.ReportID+"["+strings.Join(ks, ",")+"]")
	}
	return strings.Join(parts, " ")
}

func TestLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mailer, _ := MailerSubjectOf("Foxmail 7.2", "【重要】3月分請求書のご確認（No.48213）")
		mustAdd(t, d, "r1", t0, Indicator{Sender, "billing@evil.example"}, Indicator{URLHost, "evil.example"}, Indicator{SendingIP, "203.0.113.7"})
		mustAdd(t, d, "r2", t0.Add(time.Hour), Indicator{URLHost, "Evil.Example"}, Indicator{AttachmentSHA256, hash(1)})
		mustAdd(t, d, "r3", t0.Add(2*time.Hour), Indicator{URLHost, "evil.example"}, Indicator{AttachmentSHA256, hash(9)}, mailer)
		mustAdd(t, d, "r4", t0.Add(3*time.Hour), Indicator{URLHost, "unrelated.example"})
		checkCounts(t, d)

		// A new report, not stored: every stored report is earlier.
		other, _ := MailerSubjectOf("Foxmail 7.2", "【重要】4月分請求書のご確認（No.99120）")
		inds := []Indicator{
			{Sender, "BILLING@evil.example"}, {URLHost, "evil.example"}, {SendingIP, "203.0.113.7"},
			{AttachmentSHA256, strings.ToUpper(hash(1))}, other, {URLHost, "fresh.example"},
		}
		ls, err := Links(ctx, d.Read(), "new", inds, 0)
		if err != nil {
			t.Fatal(err)
		}
		// r1 shares three; r3 two (host, mailer+template), more recent
		// than r2's two (host, hash); r4 none.
		if got, want := linkSummary(ls), "r1[sender,sending_ip,url_host] r3[url_host,mailer_subject] r2[url_host,attachment_sha256]"; got != want {
			t.Errorf("links %s, want %s", got, want)
		}
		if !ls[0].At.Equal(t0) || ls[0].Shared[0] != (Indicator{Sender, "billing@evil.example"}) {
			t.Errorf("first link %+v", ls[0])
		}
		if ls[1].Shared[1] != other {
			t.Errorf("reason %+v, want %+v", ls[1].Shared[1], other)
		}
		if ls, _ := Links(ctx, d.Read(), "new", inds, 1); linkSummary(ls) != "r1[sender,sending_ip,url_host]" {
			t.Errorf("limit 1: %s", linkSummary(ls))
		}

		// A stored report: its own indicators, itself left out; later
		// reports are linked too.
		ls, err = Links(ctx, d.Read(), "r2", nil, 10)
		if err != nil || linkSummary(ls) != "r3[url_host] r1[url_host]" {
			t.Errorf("r2: %s, %v", linkSummary(ls), err)
		}
		if ls, err := Links(ctx, d.Read(), "r4", nil, 10); err != nil || len(ls) != 0 {
			t.Errorf("r4: %v, %v", ls, err)
		}
		if ls, err := Links(ctx, d.Read(), "unknown", nil, 10); err != nil || len(ls) != 0 {
			t.Errorf("unknown: %v, %v", ls, err)
		}
		if _, err := Links(ctx, d.Read(), "new", []Indicator{{SendingIP, "10.0.0.1"}}, 10); !errors.Is(err, ErrInvalid) {
			t.Errorf("invalid indicator: %v", err)
		}
		got, err := Stored(ctx, d.Read(), "r3")
		if err != nil || len(got) != 3 || got[0] != (Indicator{URLHost, "evil.example"}) || got[2] != mailer {
			t.Errorf("stored r3: %v, %v", got, err)
		}
	})
}

func TestAddIsIdempotentAndReplaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := Indicator{URLHost, "a.example"}
		b := Indicator{URLHost, "b.example"}
		c := Indicator{URLHost, "c.example"}
		mustAdd(t, d, "r1", t0, a, b)
		mustAdd(t, d, "r2", t0, a)
		mustAdd(t, d, "r1", t0, b, a, Indicator{URLHost, "A.example"})
		checkCounts(t, d)
		if n := count(t, d, "correlation_indicators"); n != 3 {
			t.Errorf("%d pairs after re-adding, want 3", n)
		}
		// Replace: r1 drops a (r2 keeps it), drops b (no one keeps it),
		// gains c, and moves in time.
		mustAdd(t, d, "r1", t0.Add(time.Hour), c)
		checkCounts(t, d)
		if n := count(t, d, "correlation_values"); n != 2 {
			t.Errorf("%d values, want 2 (a, c)", n)
		}
		if ls, _ := Links(ctx, d.Read(), "r2", nil, 0); len(ls) != 0 {
			t.Errorf("r2 still linked: %s", linkSummary(ls))
		}
		mustAdd(t, d, "r3", t0, c)
		if ls, _ := Links(ctx, d.Read(), "r3", nil, 0); len(ls) != 1 || !ls[0].At.Equal(t0.Add(time.Hour)) {
			t.Errorf("r3: %+v", ls)
		}
		// Inside the caller's transaction, rolled back with it.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := Add(ctx, tx, "r9", t0, []Indicator{c}); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if err == nil || count(t, d, "correlation_reports") != 3 {
			t.Errorf("rolled-back Add left a report: %v", err)
		}
		checkCounts(t, d)
		if err := Add(ctx, d, "r5", t0, []Indicator{{SendingIP, "192.168.0.1"}}); !errors.Is(err, ErrInvalid) {
			t.Errorf("private sending IP: %v", err)
		}
		if err := Add(ctx, d, "", t0, []Indicator{a}); err == nil {
			t.Error("empty report id accepted")
		}
	})
}

func TestRemove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		shared := Indicator{AttachmentSHA256, hash(1)}
		mustAdd(t, d, "r1", t0, shared, Indicator{URLHost, "only-r1.example"})
		mustAdd(t, d, "r2", t0, shared)
		mustAdd(t, d, "r3", t0, shared)
		if err := Remove(ctx, d, "r1"); err != nil {
			t.Fatal(err)
		}
		checkCounts(t, d)
		if n := count(t, d, "correlation_values"); n != 1 {
			t.Errorf("%d values, want only the shared one", n)
		}
		if ls, _ := Links(ctx, d.Read(), "r2", nil, 0); linkSummary(ls) != "r3[attachment_sha256]" {
			t.Errorf("r2 after removing r1: %s", linkSummary(ls))
		}
		if got, _ := Stored(ctx, d.Read(), "r1"); len(got) != 0 {
			t.Errorf("r1 still holds %v", got)
		}
		if err := Remove(ctx, d, "r1"); err != nil {
			t.Errorf("removing again: %v", err)
		}
		if err := Remove(ctx, d, "never"); err != nil {
			t.Errorf("removing an unknown report: %v", err)
		}
		for _, id := range []string{"r2", "r3"} {
			if err := Remove(ctx, d, id); err != nil {
				t.Fatal(err)
			}
		}
		for _, table := range []string{"correlation_reports", "correlation_values", "correlation_indicators"} {
			if n := count(t, d, table); n != 0 {
				t.Errorf("%s holds %d rows after removing everything", table, n)
			}
		}
	})
}

func TestWarnedValuesNeverLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Built-in entries: a free-mail sender, a platform's subdomain.
		mustAdd(t, d, "r1", t0, Indicator{Sender, "taro1234@gmail.com"}, Indicator{URLHost, "docs.google.com"},
			Indicator{AttachmentSHA256, hash(1)}, Indicator{SendingIP, "198.51.100.9"}, Indicator{URLHost, "notgoogle.com"})
		inds := []Indicator{{Sender, "Taro1234@GMail.com"}, {URLHost, "docs.google.com"}, {AttachmentSHA256, hash(1)},
			{SendingIP, "198.51.100.9"}, {URLHost, "notgoogle.com"}}
		ls, err := Links(ctx, d.Read(), "new", inds, 0)
		if err != nil || linkSummary(ls) != "r1[sending_ip,url_host,attachment_sha256]" || ls[0].Shared[1].Value != "notgoogle.com" {
			t.Fatalf("before warning: %s, %v", linkSummary(ls), err)
		}
		// An analyst's entries: the hash, and the IP's /24.
		if _, err := Warn(ctx, d, AttachmentSHA256, strings.ToUpper(hash(1)), "a template everyone uses", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := Warn(ctx, d, SendingIP, "198.51.100.0/24", "shared relay", ""); err != nil {
			t.Fatal(err)
		}
		ls, err = Links(ctx, d.Read(), "new", inds, 0)
		if err != nil || linkSummary(ls) != "r1[url_host]" {
			t.Errorf("after warning: %s, %v", linkSummary(ls), err)
		}
		as, err := Assess(ctx, d.Read(), inds)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range as {
			note := ""
			if a.Warning != nil {
				note = a.Warning.Value
			}
			got = append(got, fmt.Sprintf("%s=%d/%s/%s", a.Kind, a.Reports, a.Skipped, note))
		}
		want := "sender=1/warned/gmail.com sending_ip=1/warned/198.51.100.0/24 url_host=1/warned/google.com url_host=1// attachment_sha256=1/warned/" + hash(1)
		if strings.Join(got, " ") != want {
			t.Errorf("assessment\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		// Taking the entry off the list links again, at once.
		if err := Unwarn(ctx, d, AttachmentSHA256, hash(1)); err != nil {
			t.Fatal(err)
		}
		if ls, _ := Links(ctx, d.Read(), "new", inds, 0); linkSummary(ls) != "r1[url_host,attachment_sha256]" {
			t.Errorf("after unwarning: %s", linkSummary(ls))
		}
	})
}

func TestTooCommonValuesNeverLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cdn := Indicator{URLHost, "cdn.example"}
		edge := Indicator{URLHost, "edge.example"}
		// cdn ends up in TooCommon+1 reports, edge in exactly TooCommon.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := range TooCommon + 1 {
				inds := []Indicator{cdn}
				if i < TooCommon {
					inds = append(inds, edge)
				}
				if err := Add(ctx, tx, fmt.Sprintf("bulk%03d", i), t0.Add(time.Duration(i)*time.Minute), inds); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, d, "target", t0.Add(-time.Hour), cdn, Indicator{SendingIP, "203.0.113.50"})
		checkCounts(t, d)
		ls, err := Links(ctx, d.Read(), "new", []Indicator{cdn, {SendingIP, "203.0.113.50"}}, 0)
		if err != nil || linkSummary(ls) != "target[sending_ip]" {
			t.Errorf("too common linked: %s, %v", linkSummary(ls), err)
		}
		ls, err = Links(ctx, d.Read(), "new", []Indicator{edge}, MaxLinks+5)
		if err != nil || len(ls) != TooCommon {
			t.Errorf("a value held by exactly TooCommon reports: %d links, %v", len(ls), err)
		}
		if !ls[0].At.After(ls[1].At) {
			t.Error("equal links not most recent first")
		}
		as, err := Assess(ctx, d.Read(), []Indicator{cdn, edge})
		if err != nil || as[0].Skipped != ReasonTooCommon || as[0].Reports != TooCommon+2 || as[1].Skipped != "" || as[1].Reports != TooCommon {
			t.Errorf("assessment %+v, %v", as, err)
		}
	})
}

func TestWarningList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ws, err := Warnings(ctx, d.Read())
		if err != nil {
			t.Fatal(err)
		}
		builtIn := map[string]bool{}
		for _, w := range ws {
			builtIn[string(w.Kind)+" "+w.Value] = true
			if w.AddedBy != "" || w.AddedAt.IsZero() || !strings.HasPrefix(w.Note, "built-in") {
				t.Errorf("built-in entry %+v", w)
			}
			if v, err := NormalizeWarning(w.Kind, w.Value); err != nil || v != w.Value {
				t.Errorf("built-in %s %q is not in normal form (%q, %v)", w.Kind, w.Value, v, err)
			}
		}
		for _, want := range []string{"sender gmail.com", "sender yahoo.co.jp", "sender outlook.com", "sender icloud.com",
			"url_host google.com", "url_host microsoft.com", "url_host apple.com", "url_host amazon.co.jp", "url_host line.me"} {
			if !builtIn[want] {
				t.Errorf("no built-in entry %s", want)
			}
		}

		now := db.Now()
		if _, err := d.ExecContext(ctx, `INSERT INTO users (id, email, created_at, updated_at) VALUES ('u1', 'analyst@example.jp', ?, ?)`, now, now); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			kind        Kind
			value, want string
		}{
			{Sender, "@Example-Mail.JP", "example-mail.jp"},
			{Sender, "Spammer@Evil.Example", "spammer@evil.example"},
			{URLHost, "ＣＤＮ.Example.", "cdn.example"},
			{URLHost, "2001:db8:1::/48", "2001:db8:1::/48"},
			{SendingIP, "203.0.113.77/24", "203.0.113.0/24"},
			{SendingIP, "::ffff:203.0.114.0/120", "203.0.114.0/24"},
			{SendingIP, "10.0.0.1", "10.0.0.1"},
			{MailerSubject, "Foxmail 7.2\x00invoice #", "Foxmail 7.2\x00invoice #"},
		} {
			w, err := Warn(ctx, d, tc.kind, tc.value, " note ", "u1")
			if err != nil || w.Value != tc.want || w.Note != "note" || w.AddedBy != "u1" {
				t.Errorf("Warn %s %q: %+v, %v", tc.kind, tc.value, w, err)
			}
		}
		for _, bad := range []struct {
			kind  Kind
			value string
		}{{Sender, "not a domain"}, {SendingIP, "300.1.1.0/24"}, {URLHost, ""}, {AttachmentSHA256, "abc"}, {"domain", "example.com"}} {
			if _, err := Warn(ctx, d, bad.kind, bad.value, "", ""); !errors.Is(err, ErrInvalid) {
				t.Errorf("Warn %s %q: %v", bad.kind, bad.value, err)
			}
		}
		if _, err := Warn(ctx, d, URLHost, "x.example", strings.Repeat("長", maxNote+1), ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("long note: %v", err)
		}
		// Changing an entry keeps one row.
		if _, err := Warn(ctx, d, URLHost, "cdn.example", "changed", ""); err != nil {
			t.Fatal(err)
		}
		after, _ := Warnings(ctx, d.Read())
		if len(after) != len(ws)+8 {
			t.Errorf("%d entries, want %d", len(after), len(ws)+8)
		}
		i := slices.IndexFunc(after, func(w Warning) bool { return w.Value == "cdn.example" })
		if i < 0 || after[i].Note != "changed" || after[i].AddedBy != "" {
			t.Errorf("changed entry %+v", after[i])
		}
		i = slices.IndexFunc(after, func(w Warning) bool { return w.Kind == MailerSubject })
		if i < 0 || after[i].Value != "Foxmail 7.2\x00invoice #" {
			t.Errorf("mailer entry did not round-trip: %+v", after)
		}

		for _, tc := range []struct {
			in    Indicator
			entry string // "" means not warned
		}{
			{Indicator{Sender, "someone@example-mail.jp"}, "example-mail.jp"},
			{Indicator{Sender, "someone@sub.example-mail.jp"}, "example-mail.jp"},
			{Indicator{Sender, "someone@notexample-mail.jp"}, ""},
			{Indicator{Sender, "spammer@evil.example"}, "spammer@evil.example"},
			{Indicator{Sender, "other@evil.example"}, ""},
			{Indicator{Sender, "x@mail.yahoo.co.jp"}, "yahoo.co.jp"},
			{Indicator{URLHost, "img.cdn.example"}, "cdn.example"},
			{Indicator{URLHost, "www.amazon.co.jp"}, "amazon.co.jp"},
			{Indicator{URLHost, "amazon.co.jp.evil.example"}, ""},
			{Indicator{URLHost, "[2001:db8:1:2::5]"}, "2001:db8:1::/48"},
			{Indicator{URLHost, "203.0.113.9"}, ""}, // the /24 is for sending_ip
			{Indicator{SendingIP, "203.0.113.9"}, "203.0.113.0/24"},
			{Indicator{SendingIP, "203.0.114.200"}, "203.0.114.0/24"},
			{Indicator{SendingIP, "203.0.115.1"}, ""},
			{Indicator{MailerSubject, "Foxmail 7.2\x00invoice #"}, "Foxmail 7.2\x00invoice #"},
			{Indicator{MailerSubject, "Foxmail 7.3\x00invoice #"}, ""},
		} {
			w, ok, err := IsWarned(ctx, d.Read(), tc.in)
			if err != nil || ok != (tc.entry != "") || w.Value != tc.entry {
				t.Errorf("IsWarned %v: %+v %v %v, want entry %q", tc.in, w, ok, err, tc.entry)
			}
		}
		if _, _, err := IsWarned(ctx, d.Read(), Indicator{SendingIP, "10.0.0.1"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("IsWarned on an invalid indicator: %v", err)
		}

		// A user's deletion keeps the entry, without the name.
		if _, err := d.ExecContext(ctx, `DELETE FROM users WHERE id = 'u1'`); err != nil {
			t.Fatal(err)
		}
		after, _ = Warnings(ctx, d.Read())
		for _, w := range after {
			if w.AddedBy != "" {
				t.Errorf("entry still names a deleted user: %+v", w)
			}
		}
		if err := Unwarn(ctx, d, Sender, "Example-Mail.jp"); err != nil {
			t.Error(err)
		}
		if err := Unwarn(ctx, d, Sender, "example-mail.jp"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("second Unwarn: %v", err)
		}
		if err := Unwarn(ctx, d, Sender, "gmail.com"); err != nil {
			t.Errorf("built-in entries can be removed: %v", err)
		}
		if _, ok, _ := IsWarned(ctx, d.Read(), Indicator{Sender, "x@gmail.com"}); ok {
			t.Error("gmail.com still warned")
		}
	})
}

// Reports written at once that share values (in any order) keep the
// counts exact and never deadlock, removals included.
func TestConcurrentWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		shared := []Indicator{{URLHost, "a.example"}, {URLHost, "b.example"}, {SendingIP, "203.0.113.1"}, {AttachmentSHA256, hash(3)}}
		errs := make(chan error, 8)
		for w := range 8 {
			go func() {
				var err error
				for i := 0; i < 15 && err == nil; i++ {
					inds := slices.Clone(shared)
					if w%2 == 1 {
						slices.Reverse(inds)
					}
					inds = append(inds, Indicator{URLHost, fmt.Sprintf("w%d-%d.example", w, i)})
					id := fmt.Sprintf("w%d-%d", w, i)
					err = Add(ctx, d, id, t0, inds)
					if err == nil && i%3 == 0 {
						err = Remove(ctx, d, id)
					}
				}
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		checkCounts(t, d)
		var n int
		if err := d.QueryRowContext(ctx, `SELECT reports FROM correlation_values WHERE ind = ?`, storeKey(shared[0])).Scan(&n); err != nil || n != 8*10 {
			t.Errorf("a.example held by %d reports, want 80 (%v)", n, err)
		}
	})
}
