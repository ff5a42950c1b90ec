package app_test

import (
	"context"
	"html"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/internal/apptest"
	"mamori/internal/declaration"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/selfcheck"
)

func mustNotContain(t *testing.T, r apptest.Response, absent ...string) {
	t.Helper()
	for _, a := range absent {
		if strings.Contains(r.Body, a) {
			t.Fatalf("body contains %q:\n%.2000s", a, r.Body)
		}
	}
}

// TestDashboardStanding: the dashboard tells each organisation where it
// stands, in both languages: without a diagnosis, the diagnosis as the
// first step and the one-star declaration as the owner's to make; with
// one, its score, band and date and the plan's next three open actions,
// each linked to its advice; the progress toward one and two stars from
// the capabilities' readiness items (declaration, diagnosis, policy); and,
// once declared, the public verification page and the badge code.
func TestDashboardStanding(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("owner@example.jp", "owner password 1")
		m := e.CreateUser("member@example.jp", "member password 1")
		o, err := e.App.Orgs.Create(ctx, e.DB, nil, u.ID, org.CreateInput{Name: "山田精機株式会社"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.App.Orgs.AddMember(ctx, e.DB, nil, o.Slug, m.ID, org.RoleMember); err != nil {
			t.Fatal(err)
		}
		c, mc := e.SessionClient(u.ID), e.SessionClient(m.ID)
		s := o.Slug
		check := func(key string) string { return `id="check-` + s + `-` + key + `" class=` }

		// Nothing yet.
		for _, lang := range []string{"ja", "en"} {
			r := e.Get(c, "/dashboard?lang="+lang)
			expectStatus(t, r, 200)
			mustContain(t, r, `id="first-step-`+s+`"`, `href="/selfcheck" id="first-step-`+s+`-start"`,
				`id="level-`+s+`-1"`, `id="level-`+s+`-2"`, `id="declare-`+s+`-1"`,
				check("decl.readiness.principles")+`"todo"`, check("decl.readiness.declared")+`"todo"`,
				check("selfcheck.readiness.item")+`"todo"`, check("policy.readiness.item")+`"todo"`,
				`id="readiness-`+s+`"`, map[string]string{"ja": "最初の一歩", "en": "First step"}[lang])
			mustNotContain(t, r, `id="diagnosis-`+s+`"`, `id="public-`+s+`"`, `id="declare-`+s+`-2"`)
		}
		// A member is told who declares.
		r := e.Get(mc, "/dashboard?lang=en")
		mustContain(t, r, "An owner of the organisation makes the declaration.")
		mustNotContain(t, r, `id="declare-`+s+`-1"`)

		// A diagnosis with five gaps, the first of the plan done.
		content, err := selfcheck.LoadContent()
		if err != nil {
			t.Fatal(err)
		}
		qs := content.Current
		answers := map[string]string{}
		a := selfcheck.NewAnswers(qs)
		for _, it := range qs.Items() {
			ans := selfcheck.Implemented
			switch it.Number {
			case 2, 9, 14, 21:
				ans = selfcheck.NotImplemented
			case 17:
				ans = selfcheck.Partial
			}
			answers[strconv.Itoa(it.Number)], a[it.Number] = string(ans), ans
		}
		res := selfcheck.Score(qs, a)
		if len(res.Actions) != 5 {
			t.Fatalf("plan %+v", res.Actions)
		}
		taken := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
		id, err := selfcheck.SaveResult(ctx, e.DB, o.ID, "", u.ID, res, answers, taken)
		if err != nil {
			t.Fatal(err)
		}
		if err := selfcheck.SetDone(ctx, e.DB, id, res.Actions[0].Item, u.ID, true, taken); err != nil {
			t.Fatal(err)
		}
		d, err := e.App.Decl.DeclareOneStar(ctx, nil, o.ID, o.Name, u.ID, declaration.OneStarInput{
			Commit: [declaration.NumPrinciples]bool{true, true, true, true, true}, DeclarantName: "山田 花子", Authorised: true})
		if err != nil {
			t.Fatal(err)
		}
		result := "/orgs/" + s + "/selfcheck/" + id
		for _, lang := range []string{"ja", "en"} {
			r := e.Get(c, "/dashboard?lang="+lang)
			expectStatus(t, r, 200)
			band := content.Bands[res.Band].Title.In(lang)
			mustContain(t, r, `id="diagnosis-`+s+`"`, `id="band-`+s+`">`+html.EscapeString(band)+`<`,
				map[string]string{"ja": strconv.Itoa(res.Score) + "点／100点", "en": strconv.Itoa(res.Score) + " of 100 points"}[lang],
				i18n.Date(taken, lang), `href="`+result+`" id="result-`+s+`"`,
				map[string]string{"ja": "未完了 4 件", "en": "4 still open"}[lang],
				check("decl.readiness.principles")+`"done"`, check("decl.readiness.declared")+`"done"`,
				check("selfcheck.readiness.item")+`"done"`, check("policy.readiness.item")+`"todo"`,
				`id="public-`+s+`"`, `href="/v/`+d.Number+`" id="verify-`+s+`"`, `href="/v/`+d.Number+`#verify-embed" id="embed-`+s+`"`,
				`id="badge-`+s+`"`, "★ "+d.Number)
			mustNotContain(t, r, `id="first-step-`+s+`"`, `id="declare-`+s+`-1"`, `id="declare-`+s+`-2"`,
				`#action-`+strconv.Itoa(res.Actions[0].Item)+`"`, `#action-`+strconv.Itoa(res.Actions[4].Item)+`"`)
			// The next three: the plan's order, the done one left out.
			at := 0
			for _, ac := range res.Actions[1:4] {
				it, _ := qs.Item(ac.Item)
				link := `<a href="` + result + `#action-` + strconv.Itoa(ac.Item) + `" id="next-` + s + `-` + strconv.Itoa(ac.Item) + `">` + html.EscapeString(it.Question.In(lang)) + `</a>`
				i := strings.Index(r.Body, link)
				if i < at {
					t.Fatalf("%s: action %d missing or out of order (%s)", lang, ac.Item, link)
				}
				at = i
			}
		}

		// The policy published: two stars are ready to declare.
		in := policy.DraftInput{Lang: "ja", Intro: "前文", Representative: "山田 花子"}
		for i := range in.Sections {
			in.Sections[i] = "本文"
		}
		if _, err := e.App.Policy.Publish(ctx, nil, o.ID, u.ID, in); err != nil {
			t.Fatal(err)
		}
		r = e.Get(c, "/dashboard?lang=en")
		mustContain(t, r, check("policy.readiness.item")+`"done"`, `href="/orgs/`+s+`/declaration/two-stars" id="declare-`+s+`-2"`, "Declare two stars")
	})
}

// TestHomePaths: the home page says what the programme is and gives one
// path each to SMEs, supporters and the public, and the registry is in
// the main navigation for visitors and members alike.
func TestHomePaths(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		anon := e.Client()
		for _, lang := range []string{"ja", "en"} {
			r := e.Get(anon, "/?lang="+lang)
			expectStatus(t, r, 200)
			mustContain(t, r, `id="home-programme"`, `id="home-one-star"`, `id="home-two-stars"`, `id="home-operator"`,
				`id="home-sme"`, `href="/selfcheck" id="home-selfcheck-start"`, `href="/signup" id="home-signup"`,
				`id="home-supporters"`, `id="home-public"`, `href="/registry" id="home-registry"`, `href="/registry" id="nav-registry"`,
				map[string]string{"ja": "運営者", "en": "the operator"}[lang])
			mustNotContain(t, r, "順次提供", "will find tools here", `id="home-dashboard"`)
		}
		u := e.CreateUser("owner@example.jp", "owner password 1")
		c := e.SessionClient(u.ID)
		r := e.Get(c, "/?lang=en")
		mustContain(t, r, `href="/dashboard" id="home-dashboard"`, `id="nav-registry"`)
		mustNotContain(t, r, `id="home-signup"`)
		mustContain(t, e.Get(c, "/dashboard"), `href="/registry" id="nav-registry"`)
	})
}
