// Package audit records security-relevant actions in an append-only table
// (the database refuses updates and deletes by trigger), so that what an
// administrator or attacker did can be reconstructed later.
package audit

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"mamori/internal/db"
	"mamori/internal/web"
)

// Actions recorded. Keep them stable: operators search for them.
const (
	LoginOK          = "login.success"
	LoginFailed      = "login.failure"
	LoginLocked      = "login.locked"
	Logout           = "logout"
	Signup           = "account.signup"
	EmailVerified    = "account.email_verified"
	PasswordChanged  = "account.password_changed"
	PasswordReset    = "account.password_reset"
	MFAEnabled       = "mfa.enabled"
	MFADisabled      = "mfa.disabled"
	MFAFailed        = "mfa.failure"
	RecoveryUsed     = "mfa.recovery_code_used"
	TokenCreated     = "token.created"
	TokenRevoked     = "token.revoked"
	RoleGranted      = "role.granted"
	RoleRevoked      = "role.revoked"
	UserCreated      = "admin.user_created"
	UserDisabled     = "admin.user_disabled"
	UserEnabled      = "admin.user_enabled"
	SetupCompleted   = "admin.setup_completed"
	OrgCreated       = "org.created"
	OrgUpdated       = "org.updated"
	MemberAdded      = "org.member_added"
	MemberRemoved    = "org.member_removed"
	MemberRoleChange = "org.member_role_changed"
	InviteSent       = "org.invitation_sent"
	InviteAccepted   = "org.invitation_accepted"
	InviteRevoked    = "org.invitation_revoked"
)

// Event is one entry.
type Event struct {
	Seq        int64
	At         time.Time
	ActorID    string
	ActorEmail string
	Action     string
	TargetType string
	TargetID   string
	IP         string
	Detail     string
}

// Entry describes an action to record.
type Entry struct {
	Action     string
	TargetType string
	TargetID   string
	Detail     map[string]any
	// Actor overrides the request's viewer (e.g. a failed login has none).
	ActorID, ActorEmail string
}

// Bounds on what one entry keeps of its text. The log is append-only and
// some entries are written for anonymous requests (a failed login records
// the address typed, whatever its length): unbounded, each such request
// could add up to the body limit to a table that never shrinks.
const (
	maxEmailBytes  = 254 // the longest address an account can have
	maxIDBytes     = 256
	maxDetailBytes = 1024 // per string value of Detail
)

// clip shortens s to at most n bytes on a character boundary, marking the
// cut with "…" so a reader sees the value was longer.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// clipDetail bounds the string values of a detail map (one level, and
// string lists), leaving the caller's map as it was.
func clipDetail(d map[string]any) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		switch v := v.(type) {
		case string:
			out[k] = clip(v, maxDetailBytes)
		case []string:
			c := make([]string, len(v))
			for i, s := range v {
				c[i] = clip(s, maxDetailBytes)
			}
			out[k] = c
		default:
			out[k] = v
		}
	}
	return out
}

// Record appends an entry; pass the transaction that made the change so
// the record and the change commit together. Text that may come from a
// client (the actor's address, ids, detail values) is clipped to bounds.
func Record(ctx context.Context, q db.Querier, r *http.Request, e Entry) error {
	actorID, actorEmail := e.ActorID, e.ActorEmail
	ip := ""
	if r != nil {
		if v := web.ViewerFrom(r.Context()); v != nil && actorID == "" {
			actorID, actorEmail = v.UserID, v.Email
		}
		ip = ClientIP(r)
	}
	actorID, actorEmail = clip(actorID, maxIDBytes), clip(actorEmail, maxEmailBytes)
	detail := ""
	if len(e.Detail) > 0 {
		b, _ := json.Marshal(clipDetail(e.Detail))
		detail = string(b)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_email, action, target_type, target_id, ip, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, db.Now(), actorID, actorEmail, e.Action, e.TargetType, clip(e.TargetID, maxIDBytes), ip, detail)
	return err
}

// ClientIP is the client's address: the peer's, or, when the request came
// through a proxy listed in --trusted-proxies, the address that proxy saw
// (web.Stack rewrites RemoteAddr before anything reads it).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Filter narrows a listing.
type Filter struct {
	Action  string
	ActorID string
	Before  int64 // seq; 0 = newest
	Limit   int
}

// List returns entries newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Event, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	query := `SELECT seq, at, actor_id, actor_email, action, target_type, target_id, ip, detail FROM audit_log WHERE 1=1`
	var args []any
	if f.Action != "" {
		query += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.ActorID != "" {
		query += ` AND actor_id = ?`
		args = append(args, f.ActorID)
	}
	if f.Before > 0 {
		query += ` AND seq < ?`
		args = append(args, f.Before)
	}
	query += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, f.Limit)
	return db.Collect(ctx, q, func(r db.Scanner) (Event, error) {
		var e Event
		err := r.Scan(&e.Seq, &e.At, &e.ActorID, &e.ActorEmail, &e.Action, &e.TargetType, &e.TargetID, &e.IP, &e.Detail)
		return e, err
	}, query, args...)
}
