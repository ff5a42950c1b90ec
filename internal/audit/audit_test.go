package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/web"
)

func request(remote string, v *web.Viewer) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/admin/users", nil)
	r.RemoteAddr = remote
	r.Header.Set("X-Forwarded-For", "198.51.100.99")
	if v != nil {
		r = r.WithContext(web.WithViewer(r.Context(), v))
	}
	return r
}

func TestRecord(t *testing.T) {
	admin := &web.Viewer{UserID: "u-admin", Email: "admin@example.jp"}
	pending := &web.Viewer{UserID: "u-pending", Email: "p@example.jp", Pending: true}
	tests := []struct {
		name                  string
		r                     *http.Request
		e                     audit.Entry
		wantID, wantEmail, ip string
		detail                map[string]any
	}{
		{"viewer is the actor", request("203.0.113.5:4431", admin),
			audit.Entry{Action: audit.UserDisabled, TargetType: "user", TargetID: "u-9", Detail: map[string]any{"reason": "退職"}},
			"u-admin", "admin@example.jp", "203.0.113.5", map[string]any{"reason": "退職"}},
		{"explicit actor wins", request("[2001:db8::1]:443", admin),
			audit.Entry{Action: audit.LoginFailed, ActorID: "u-other", ActorEmail: "other@example.jp"},
			"u-other", "other@example.jp", "2001:db8::1", nil},
		{"anonymous", request("192.0.2.1:1", nil), audit.Entry{Action: audit.LoginFailed, ActorEmail: "typed@example.jp"},
			"", "typed@example.jp", "192.0.2.1", nil},
		{"pending second factor is not an actor", request("192.0.2.2:1", pending), audit.Entry{Action: audit.MFAFailed},
			"", "", "192.0.2.2", nil},
		{"no request", nil, audit.Entry{Action: audit.SetupCompleted, ActorID: "cli"}, "cli", "", "", nil},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := db.Now()
				err := d.InTx(ctx, func(tx *db.Tx) error { return audit.Record(ctx, tx, tt.r, tt.e) })
				if err != nil {
					t.Fatal(err)
				}
				evs, err := audit.List(ctx, d.Read(), audit.Filter{Limit: 1})
				if err != nil || len(evs) != 1 {
					t.Fatalf("List: %v, %d events", err, len(evs))
				}
				e := evs[0]
				if e.Action != tt.e.Action || e.ActorID != tt.wantID || e.ActorEmail != tt.wantEmail || e.IP != tt.ip ||
					e.TargetType != tt.e.TargetType || e.TargetID != tt.e.TargetID {
					t.Errorf("recorded %+v", e)
				}
				if e.At.Before(before) || e.At.After(db.Now()) {
					t.Errorf("At = %s, want between %s and now", e.At, before)
				}
				if tt.detail == nil {
					if e.Detail != "" {
						t.Errorf("Detail = %q, want empty", e.Detail)
					}
				} else {
					var got map[string]any
					if err := json.Unmarshal([]byte(e.Detail), &got); err != nil || fmt.Sprint(got) != fmt.Sprint(tt.detail) {
						t.Errorf("Detail = %q (%v), want %v", e.Detail, err, tt.detail)
					}
				}
			})
		}
		// A record made in a rolled-back transaction disappears with it.
		var n0, n1 int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n0)
		d.InTx(ctx, func(tx *db.Tx) error {
			if err := audit.Record(ctx, tx, nil, audit.Entry{Action: audit.OrgCreated}); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("abort")
		})
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n1)
		if n1 != n0 {
			t.Errorf("rolled-back record kept: %d → %d rows", n0, n1)
		}
	})
}

func TestListFiltersAndPaging(t *testing.T) {
	// seq 1..9: actions alternate, actors cycle a, b, c.
	actions := []string{audit.LoginOK, audit.Logout}
	actors := []string{"a", "b", "c"}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := range 9 {
			e := audit.Entry{Action: actions[i%2], ActorID: actors[i%3], TargetID: fmt.Sprint(i + 1)}
			if err := audit.Record(ctx, d, nil, e); err != nil {
				t.Fatal(err)
			}
		}
		// Map target ids (1..9, in insertion order) to seq for Before.
		all, err := audit.List(ctx, d, audit.Filter{})
		if err != nil || len(all) != 9 {
			t.Fatalf("List all: %v, %d", err, len(all))
		}
		seq := map[string]int64{}
		for i, e := range all {
			seq[e.TargetID] = e.Seq
			if i > 0 && e.Seq >= all[i-1].Seq {
				t.Errorf("not newest first: %d after %d", e.Seq, all[i-1].Seq)
			}
		}
		tests := []struct {
			name   string
			f      audit.Filter
			before string // target id whose seq is the cursor
			want   string // target ids, newest first
		}{
			{"all", audit.Filter{}, "", "987654321"},
			{"limit", audit.Filter{Limit: 3}, "", "987"},
			{"page 2", audit.Filter{Limit: 3}, "7", "654"},
			{"last page", audit.Filter{Limit: 3}, "4", "321"},
			{"past the end", audit.Filter{Limit: 3}, "1", ""},
			{"action", audit.Filter{Action: audit.LoginOK}, "", "97531"},
			{"action paged", audit.Filter{Action: audit.LoginOK, Limit: 2}, "5", "31"},
			{"actor", audit.Filter{ActorID: "b"}, "", "852"},
			{"actor and action", audit.Filter{ActorID: "a", Action: audit.Logout}, "", "4"},
			{"actor and before", audit.Filter{ActorID: "c"}, "9", "63"},
			{"unknown action", audit.Filter{Action: "no.such"}, "", ""},
			{"limit too large uses default", audit.Filter{Limit: 1000}, "", "987654321"},
			{"negative limit uses default", audit.Filter{Limit: -1}, "", "987654321"},
		}
		for _, tt := range tests {
			f := tt.f
			if tt.before != "" {
				f.Before = seq[tt.before]
			}
			evs, err := audit.List(ctx, d.Read(), f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := ""
			for _, e := range evs {
				got += e.TargetID
			}
			if got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			}
		}
	})
}

func TestListDefaultLimit(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	for range 60 {
		if err := audit.Record(ctx, d, nil, audit.Entry{Action: audit.LoginOK}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{0, -5, 201} {
		evs, err := audit.List(ctx, d, audit.Filter{Limit: limit})
		if err != nil || len(evs) != 50 {
			t.Errorf("Limit %d: %d events (%v), want the default 50", limit, len(evs), err)
		}
	}
	if evs, _ := audit.List(ctx, d, audit.Filter{Limit: 200}); len(evs) != 60 {
		t.Errorf("Limit 200: %d events, want all 60", len(evs))
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"203.0.113.5:1234", "203.0.113.5"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[::1]:80", "::1"},
		{"192.0.2.1", "192.0.2.1"}, // no port: taken as is
		{"", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.remote
		// Forwarding headers are client-controlled and never trusted.
		r.Header.Set("X-Forwarded-For", "10.9.8.7")
		r.Header.Set("X-Real-IP", "10.9.8.7")
		r.Header.Set("Forwarded", "for=10.9.8.7")
		if got := audit.ClientIP(r); got != tt.want {
			t.Errorf("ClientIP(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestEventTimesUTC(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Between the clock read before and after, however long the
		// write takes (stored times keep microseconds).
		before := time.Now().Truncate(time.Microsecond)
		if err := audit.Record(ctx, d, nil, audit.Entry{Action: audit.Logout}); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		evs, err := audit.List(ctx, d, audit.Filter{})
		if err != nil || len(evs) != 1 {
			t.Fatal(err)
		}
		if _, off := evs[0].At.Zone(); off != 0 || evs[0].At.Before(before) || evs[0].At.After(after) {
			t.Errorf("At = %s, want UTC between %s and %s", evs[0].At, before, after)
		}
	})
}

// TestRecordClipsClientText: the address, ids and detail strings an entry
// keeps are bounded (the log never shrinks), cut on a character boundary
// and marked, and the caller's detail map is left as it was.
func TestRecordClipsClientText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		long := strings.Repeat("あ", 100<<10) // 300 KB of three-byte characters
		detail := map[string]any{"email": long, "names": []string{long, "x"}, "n": 3}
		err := audit.Record(ctx, d, request("192.0.2.1:1234", nil), audit.Entry{Action: audit.LoginFailed, TargetType: "user",
			TargetID: long, ActorEmail: long + "@example.jp", Detail: detail})
		if err != nil {
			t.Fatal(err)
		}
		if detail["email"] != long {
			t.Fatal("the caller's detail map was changed")
		}
		evs, err := audit.List(ctx, d, audit.Filter{})
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v %v", evs, err)
		}
		ev := evs[0]
		if len(ev.ActorEmail) > 254 || !utf8.ValidString(ev.ActorEmail) || !strings.HasSuffix(ev.ActorEmail, "あ…") {
			t.Errorf("actor email %d bytes %q", len(ev.ActorEmail), ev.ActorEmail[max(0, len(ev.ActorEmail)-12):])
		}
		if len(ev.TargetID) > 256 || !utf8.ValidString(ev.TargetID) {
			t.Errorf("target id %d bytes", len(ev.TargetID))
		}
		var got struct {
			Email string   `json:"email"`
			Names []string `json:"names"`
			N     int      `json:"n"`
		}
		if err := json.Unmarshal([]byte(ev.Detail), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Email) > 1024 || len(got.Names[0]) > 1024 || got.Names[1] != "x" || got.N != 3 || !strings.HasSuffix(got.Email, "…") {
			t.Errorf("detail %d/%d bytes: %+v", len(got.Email), len(got.Names[0]), got.Names[1:])
		}
	})
}
