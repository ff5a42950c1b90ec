package policy

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org/orgtest"
)

func TestDraftFromTemplateStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機株式会社", owner)
		if _, err := DraftFor(ctx, d, o.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("draft before first open: %v", err)
		}
		in := draftFromTemplate("ja", o.Name, "", "")
		dr, err := ensureDraft(ctx, d, in.draft(o.ID, owner, s.now()))
		if err != nil {
			t.Fatal(err)
		}
		if dr.Lang != "ja" || !strings.Contains(dr.Intro, "山田精機株式会社") || dr.Sections[4] == "" || dr.UpdatedBy != owner {
			t.Errorf("draft %+v", dr)
		}
		// A second first-open never overwrites the working copy.
		if _, err := s.SaveDraft(ctx, o.ID, owner, fullInput("en")); err != nil {
			t.Fatal(err)
		}
		again, err := ensureDraft(ctx, d, in.draft(o.ID, owner, s.now()))
		if err != nil {
			t.Fatal(err)
		}
		if again.Lang != "en" || again.Intro != "前文です。" {
			t.Errorf("ensureDraft overwrote the draft: %+v", again)
		}
	})
}

func TestSaveDraftValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)

		// A draft may be unfinished; only bad text is refused.
		in := DraftInput{Lang: "ja", Intro: "  途中まで\r\n書いた  "}
		dr, err := s.SaveDraft(ctx, o.ID, owner, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DraftFor(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Intro != "途中まで\n書いた" || got.Sections != dr.Sections || !got.UpdatedAt.Equal(dr.UpdatedAt) {
			t.Errorf("stored %+v", got)
		}

		bad := fullInput("fr")
		bad.Sections[1] = strings.Repeat("x", MaxSectionChars+1)
		bad.Sections[2] = "bell\a"
		bad.Representative = strings.Repeat("名", 101)
		bad.RepresentativeTitle = "社\n長"
		_, err = s.SaveDraft(ctx, o.ID, owner, bad)
		wantKey(t, err, apperr.Invalid, "error.invalid_input")
		for f, k := range map[string]string{"lang": "policy.lang_invalid", "h2": "policy.text_too_long", "h3": "policy.text_invalid",
			"representative": "policy.representative_invalid", "representative_title": "policy.representative_title_invalid"} {
			wantField(t, err, f, k)
		}
		// Only owners save; the stored draft is unchanged.
		_, err = s.SaveDraft(ctx, o.ID, member, fullInput("ja"))
		wantKey(t, err, apperr.Forbidden, "policy.owner_only")
		_, err = s.SaveDraft(ctx, "no-such-org", owner, fullInput("ja"))
		wantKey(t, err, apperr.NotFound, "error.not_found")
		if got, _ := DraftFor(ctx, d, o.ID); got.Intro != "途中まで\n書いた" {
			t.Errorf("refused saves changed the draft: %+v", got)
		}
	})
}

func TestPublishVersions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		t0 := time.Date(2025, 4, 1, 1, 0, 0, 0, time.UTC)
		s.Now = fixedNow(t0)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		member := orgtest.NewUser(t, d, "member@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner, member)
		other := orgtest.NewOrg(t, d, "よその会社", orgtest.NewUser(t, d, "other@example.jp"))

		if _, err := PublishedFor(ctx, d, o.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("PublishedFor before publishing: %v", err)
		}
		// Publishing needs every heading and the representative.
		in := fullInput("ja")
		in.Sections[3], in.Representative = "", ""
		_, err := s.Publish(ctx, nil, o.ID, owner, in)
		wantField(t, err, "h4", "policy.section_required")
		wantField(t, err, "representative", "policy.representative_required")
		_, err = s.Publish(ctx, nil, o.ID, member, fullInput("ja"))
		wantKey(t, err, apperr.Forbidden, "policy.owner_only")
		if n := countRows(t, d, "policy_versions"); n != 0 {
			t.Fatalf("%d versions from refused publications", n)
		}

		// Placeholders are filled at publication; the draft keeps them.
		in = fullInput("ja")
		in.Intro = "{company}（代表 {representative}）の方針です。"
		v1, err := s.Publish(ctx, nil, o.ID, owner, in)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Version != 1 || v1.Intro != "山田精機（代表 山田 太郎）の方針です。" || v1.OrgName != "山田精機" || !v1.Hosted() {
			t.Errorf("v1 %+v", v1)
		}
		if dr, _ := DraftFor(ctx, d, o.ID); dr.Intro != in.Intro {
			t.Errorf("draft after publishing: %q", dr.Intro)
		}
		s.Now = fixedNow(t0.Add(24 * time.Hour))
		in2 := fullInput("en")
		in2.Sections[0] = "Changed."
		v2, err := s.Publish(ctx, nil, o.ID, owner, in2)
		if err != nil {
			t.Fatal(err)
		}
		s.Now = fixedNow(t0.Add(48 * time.Hour))
		v3, err := s.RecordExternal(ctx, nil, o.ID, owner, " https://example.jp/policy ")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v3.Version != 3 || v3.ExternalURL != "https://example.jp/policy" || v3.Lang != "en" || v3.Representative != "山田 太郎" {
			t.Errorf("v2 %d, v3 %+v", v2.Version, v3)
		}
		// Another organisation numbers from 1.
		ov, err := s.RecordExternal(ctx, nil, other.ID, mustOwner(t, d, other.ID), "http://other.example/")
		if err != nil || ov.Version != 1 {
			t.Fatalf("other org: %v %+v", err, ov)
		}

		vs, err := Versions(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 3 || vs[0].Version != 3 || vs[2].Version != 1 || vs[2].PublisherName != "owner" || !vs[1].PublishedAt.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("versions %+v", vs)
		}
		old, err := VersionOf(ctx, d, o.ID, 1)
		if err != nil || old.Sections[0] != "本文 management" || old.Lang != "ja" {
			t.Errorf("v1 kept: %v %+v", err, old)
		}
		if _, err := VersionOf(ctx, d, o.ID, 4); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("version 4: %v", err)
		}
		p, err := PublishedFor(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 3 || p.URL != "https://example.jp/policy" || p.ExternalURL != p.URL || !p.PublishedAt.Equal(t0.Add(48*time.Hour)) || p.OrgID != o.ID {
			t.Errorf("published %+v", p)
		}

		// External URL validation changes nothing when it refuses.
		for u, key := range map[string]string{"javascript:alert(1)": "policy.url_scheme", "ftp://example.jp/p": "policy.url_scheme",
			"https://example.jp/" + strings.Repeat("a", 500): "policy.url_too_long", "": "policy.url_required"} {
			_, err := s.RecordExternal(ctx, nil, o.ID, owner, u)
			wantField(t, err, "external_url", key)
		}
		// Hosting again makes the public URL mamori's.
		s.Now = fixedNow(t0.Add(72 * time.Hour))
		if _, err := s.Publish(ctx, nil, o.ID, owner, fullInput("ja")); err != nil {
			t.Fatal(err)
		}
		if p, _ := PublishedFor(ctx, d, o.ID); p.Version != 4 || p.URL != "/p/"+o.Slug+"/policy" || p.ExternalURL != "" {
			t.Errorf("published %+v", p)
		}

		// Audit: one entry per publication, with the version.
		for action, want := range map[string]int{ActionPublished: 3, ActionExternalRecorded: 2} {
			evs, err := audit.List(ctx, d, audit.Filter{Action: action})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != want {
				t.Errorf("%s: %d entries, want %d", action, len(evs), want)
			}
			for _, e := range evs {
				if e.TargetType != "policy_version" || !strings.Contains(e.Detail, `"version":`) || e.ActorID == "" {
					t.Errorf("%s entry %+v", action, e)
				}
			}
		}
	})
}

func mustOwner(t *testing.T, d *db.DB, orgID string) string {
	t.Helper()
	var id string
	if err := d.QueryRowContext(context.Background(), `SELECT user_id FROM org_members WHERE org_id = ? AND role = 'owner'`, orgID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Publications racing for one organisation get distinct, consecutive
// version numbers.
func TestPublishConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newTestService(t, d)
		owner := orgtest.NewUser(t, d, "owner@example.jp")
		o := orgtest.NewOrg(t, d, "山田精機", owner)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, errs[i] = s.Publish(ctx, nil, o.ID, owner, fullInput("ja"))
				} else {
					_, errs[i] = s.RecordExternal(ctx, nil, o.ID, owner, "https://example.jp/p")
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		vs, err := Versions(ctx, d, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vs {
			if v.Version != n-i {
				t.Fatalf("versions %d..: got %d at %d", n, v.Version, i)
			}
		}
	})
}
