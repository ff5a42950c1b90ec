package auth

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/i18n"
)

// A secret check (password, TOTP or recovery code) is counted as a
// failure before it runs and forgiven only when it succeeds. Counting
// after the check let a burst of parallel guesses all read "no failures
// yet" and all be checked: 142 of 150 in the probe of issue 11. Reserving
// first, under a per-subject lock, bounds the checks a burst gets to the
// limit, on every instance sharing the database.

// limit is one failure budget: at most max failures of subject inside the
// login window.
type limit struct {
	subject string
	max     int
}

// reservation is an attempt admitted under its limits: the failure rows
// written for it, which count against the budgets until released.
type reservation struct {
	ids []int64
	// left is how many more failures the first limit allows after this
	// one, for the "n more attempts" message.
	left int
}

// errLocked carries how long a refused attempt must wait.
type errLocked struct{ minutes int }

func (e errLocked) Error() string { return "locked" }

func (e errLocked) appErr() error {
	return apperr.New(apperr.TooMany, "auth.login_locked", i18n.Count(e.minutes))
}

// LockSubject serialises, on PostgreSQL, every transaction about one
// subject until it ends, across instances (a transaction-scoped advisory
// lock; the two-key form keeps these apart from the migration lock).
// SQLite write transactions run one at a time already. q must be a
// transaction; a lock taken outside one would end at once. Exported for
// budgets counted outside this package (the invitation mail one address
// gets across organisations).
func LockSubject(ctx context.Context, q db.Querier, subject string) error {
	if q.Dialect() != db.Postgres {
		return nil
	}
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727275, hashtext(?))`, subject)
	return err
}

// reserve admits one check of a secret under limits, or refuses it with a
// TooMany error saying how many minutes remain. Admission writes a failure
// row per limit in the same transaction that counted them, so of N
// concurrent attempts at most max are admitted.
func (s *Service) reserve(ctx context.Context, r *http.Request, limits ...limit) (*reservation, error) {
	since := s.now().Add(-s.Cfg.LoginWindow)
	// Locks are always taken in one order, so two attempts sharing an
	// address but not an account cannot deadlock.
	limits = slices.Clone(limits)
	for i := range limits {
		// Stored as login_failures keys it, so an address as long as the
		// body limit costs one bounded row.
		limits[i].subject = failureSubject(limits[i].subject)
	}
	ordered := slices.Clone(limits)
	slices.SortFunc(ordered, func(a, b limit) int { return strings.Compare(a.subject, b.subject) })
	res := &reservation{}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, l := range ordered {
			if err := LockSubject(ctx, tx, l.subject); err != nil {
				return err
			}
		}
		for i, l := range limits {
			n, oldest, err := Failures(ctx, tx, l.subject, since)
			if err != nil {
				return err
			}
			if n >= l.max {
				wait := s.Cfg.LoginWindow
				if !oldest.IsZero() {
					wait = oldest.Add(s.Cfg.LoginWindow).Sub(s.now())
				}
				minutes := int(wait.Minutes() + 0.999)
				if minutes < 1 {
					minutes = 1
				}
				return errLocked{minutes}
			}
			if i == 0 {
				res.left = l.max - n - 1
			}
		}
		now := s.now()
		for _, l := range limits {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (subject, at) VALUES (?, ?) RETURNING id`, l.subject, now).Scan(&id); err != nil {
				return err
			}
			res.ids = append(res.ids, id)
		}
		return nil
	})
	var le errLocked
	if errors.As(err, &le) {
		return nil, le.appErr()
	}
	return res, err
}

// release forgives a reserved attempt that succeeded. It runs even when
// the client has gone, so a right answer is never left counted as wrong.
func (s *Service) release(ctx context.Context, res *reservation) error {
	if res == nil || len(res.ids) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	_, err := s.DB.ExecContext(ctx, `DELETE FROM login_failures WHERE id IN `+db.Marks(len(res.ids)), db.Args(res.ids)...)
	return err
}

// Subjects of the failure budgets. One account's password has one budget
// whether it is guessed at the login form or, with a stolen session, at a
// settings form that asks for it again.
func accountSubject(email string) string    { return "acct:" + NormalizeEmail(email) }
func addressSubject(r *http.Request) string { return "ip:" + clientBlock(r) }

// clientBlock is the client as the address budgets count it: an IPv4
// address as it is, an IPv6 address by its /64. One subscriber or host is
// given a whole /64 and can send from any address in it, so counted per
// address, IPv6 would let one client spray guesses without ever meeting
// the limit.
func clientBlock(r *http.Request) string {
	ip := audit.ClientIP(r)
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
func mfaSubject(userID string) string { return "mfa:" + userID }

func (s *Service) accountLimit(email string) limit {
	return limit{accountSubject(email), s.Cfg.LoginMaxFailures}
}

func (s *Service) addressLimit(r *http.Request) limit {
	return limit{addressSubject(r), s.Cfg.LoginMaxFailures * 10}
}

func (s *Service) mfaLimit(userID string) limit {
	return limit{mfaSubject(userID), s.Cfg.LoginMaxFailures}
}

// HashWork counts the argon2id runs (hashes and verifications) this
// instance has done; tests bound the work anonymous requests cause.
func (s *Service) HashWork() int64 { return s.hashes.Load() }

// SecretChecks counts the password, TOTP and recovery-code verifications
// this instance has run; the lockout tests bound it.
func (s *Service) SecretChecks() int64 { return s.checks.Load() }
