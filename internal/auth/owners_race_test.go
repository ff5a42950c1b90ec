package auth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
)

// TestDisableRacingOwnerHandover: an operator disables member A while the
// organisation's only other owner B makes A an owner and then steps down
// (two transactions, both while the disable is still open). The disable
// checked A's organisations before A was an owner there, so B's step-down
// must not count A, whose disabling is about to commit: the organisation
// keeps an active owner. Real concurrency; run with -race on both engines.
func TestDisableRacingOwnerHandover(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := orgtest.NewUser(t, d, "handover-a@example.jp")
		b := orgtest.NewUser(t, d, "handover-b@example.jp")
		o := orgtest.NewOrg(t, d, "引き継ぎ株式会社", b, a)
		os := &org.Service{DB: d}

		locked, release := make(chan struct{}), make(chan struct{})
		disabled := make(chan error, 1)
		go func() {
			disabled <- d.InTx(ctx, func(tx *db.Tx) error {
				// The checks and the update of the operator's disable.
				if err := auth.KeepOrgOwners(ctx, tx, a); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, db.Now(), a); err != nil {
					return err
				}
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		steps := make(chan error, 1)
		go func() {
			if err := os.ChangeRole(ctx, d, nil, o.Slug, a, org.RoleOwner); err != nil {
				steps <- err
				return
			}
			steps <- os.ChangeRole(ctx, d, nil, o.Slug, b, org.RoleMember)
		}()
		// Give the owners' steps the time to run into the open disable
		// (where they wait, they finish after it); not a timing assertion.
		var stepErr error
		waited := false
		select {
		case stepErr = <-steps:
			waited = true
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if err := <-disabled; err != nil {
			t.Fatalf("disable: %v", err)
		}
		if !waited {
			stepErr = <-steps
		}
		var active int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = ? AND m.role = 'owner' AND u.disabled_at IS NULL`, o.ID).Scan(&active); err != nil {
			t.Fatal(err)
		}
		if active == 0 {
			t.Fatalf("the organisation is left with only disabled owners (step-down: %v)", stepErr)
		}
	})
}

// TestDisableRacingOwnerLeaves: an operator disables owner A while the
// other owner B leaves, at the same moment, round after round: one of
// the two is refused, the organisation keeps an active owner, and neither
// waits for the other forever (the disable takes no organisation row).
func TestDisableRacingOwnerLeaves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		os := &org.Service{DB: d}
		for round := range 6 {
			a := orgtest.NewUser(t, d, fmt.Sprintf("leave-a%d@example.jp", round))
			b := orgtest.NewUser(t, d, fmt.Sprintf("leave-b%d@example.jp", round))
			o := orgtest.NewOrg(t, d, fmt.Sprintf("退出%d株式会社", round), a)
			if err := os.AddMember(ctx, d, nil, o.Slug, b, org.RoleOwner); err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			var disableErr, leaveErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				disableErr = d.InTx(ctx, func(tx *db.Tx) error {
					if err := auth.KeepOrgOwners(ctx, tx, a); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, db.Now(), a)
					return err
				})
			}()
			go func() {
				defer wg.Done()
				<-start
				leaveErr = os.RemoveMember(ctx, d, nil, o.Slug, b)
			}()
			close(start)
			wg.Wait()
			for _, err := range []error{disableErr, leaveErr} {
				if err != nil && !apperr.Is(err, apperr.Conflict) {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if (disableErr == nil) == (leaveErr == nil) {
				t.Fatalf("round %d: want exactly one refused, got %v and %v", round, disableErr, leaveErr)
			}
			var active int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_members m JOIN users u ON u.id = m.user_id
				WHERE m.org_id = ? AND m.role = 'owner' AND u.disabled_at IS NULL`, o.ID).Scan(&active); err != nil {
				t.Fatal(err)
			}
			if active != 1 {
				t.Fatalf("round %d: %d active owners", round, active)
			}
		}
	})
}
