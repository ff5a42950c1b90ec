package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/selfcheck"
)

func answersJSON(n int, value string) string {
	m := map[string]string{}
	for i := 1; i <= n; i++ {
		m[strconv.Itoa(i)] = value
	}
	b, _ := json.Marshal(map[string]any{"answers": m})
	return string(b)
}

func TestSelfcheckAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		for _, lang := range []string{"ja", "en"} {
			r := e.Get(c, "/api/v1/selfcheck/questions?lang="+lang)
			expectStatus(t, r, 200)
			var qs struct {
				Version string `json:"version"`
				Parts   []struct {
					Number int `json:"number"`
					Title  string
					Items  []struct {
						Number   int    `json:"number"`
						Question string `json:"question"`
						Why      string `json:"why"`
					} `json:"items"`
				} `json:"parts"`
			}
			if err := json.Unmarshal([]byte(r.Body), &qs); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range qs.Parts {
				for _, it := range p.Items {
					n++
					if it.Number != n || it.Question == "" || it.Why == "" {
						t.Fatalf("%s item %d: %+v", lang, n, it)
					}
				}
			}
			if qs.Version == "" || len(qs.Parts) != 3 || n != 25 {
				t.Fatalf("%s: version %q parts %d items %d", lang, qs.Version, len(qs.Parts), n)
			}
		}
		expectStatus(t, e.Get(c, "/api/v1/selfcheck/questions?lang=fr"), http.StatusBadRequest)

		post := func(body string, hdr map[string]string) apptest.Response {
			h := map[string]string{"Content-Type": "application/json"}
			for k, v := range hdr {
				h[k] = v
			}
			return e.Do(c, "POST", "/api/v1/selfcheck/score", strings.NewReader(body), h)
		}
		r := post(answersJSON(25, "partial"), nil)
		expectStatus(t, r, 200)
		var res struct {
			Version string `json:"version"`
			Score   int    `json:"score"`
			Max     int    `json:"max"`
			Band    string `json:"band"`
			Parts   []struct{ Number, Score, Max int }
			Review  []int `json:"review"`
			Actions []struct {
				Item     int      `json:"item"`
				Answer   string   `json:"answer"`
				Question string   `json:"question"`
				Steps    []string `json:"steps"`
			} `json:"actions"`
		}
		if err := json.Unmarshal([]byte(r.Body), &res); err != nil {
			t.Fatalf("%v: %s", err, r.Body)
		}
		if res.Score != 50 || res.Max != 100 || res.Band != "noticeable_gaps" || len(res.Parts) != 3 || res.Parts[1].Max != 52 || len(res.Actions) != 25 || len(res.Review) != 0 {
			t.Fatalf("result %+v", res)
		}
		if res.Actions[0].Answer != "partial" || res.Actions[0].Question == "" || len(res.Actions[0].Steps) == 0 {
			t.Fatalf("action %+v", res.Actions[0])
		}
		r = post(answersJSON(25, "unknown"), nil)
		mustContain(t, r, `"score":-25`, `"band":"high_risk"`, `"review":[1,2,3`)

		// Bad requests name each bad field, in the caller's language.
		m := map[string]string{}
		for i := 1; i <= 24; i++ {
			m[strconv.Itoa(i)] = "implemented"
		}
		m["3"] = "sometimes"
		m["99"] = "implemented"
		b, _ := json.Marshal(map[string]any{"answers": m})
		r = post(string(b), map[string]string{"Accept-Language": "en"})
		expectStatus(t, r, http.StatusBadRequest)
		var er struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal([]byte(r.Body), &er)
		for _, f := range []string{"answers.3", "answers.25", "answers.99"} {
			if er.Error.Fields[f] == "" {
				t.Fatalf("field %s not named: %s", f, r.Body)
			}
		}
		expectStatus(t, post(`{"answers": {"1": "implemented"}, "extra": 1}`, nil), http.StatusBadRequest)
		expectStatus(t, post(`{"answers": `, nil), http.StatusBadRequest)
		expectStatus(t, post(`{}`, nil), http.StatusBadRequest)
		if n := e.Count(`SELECT COUNT(*) FROM selfcheck_drafts`) + e.Count(`SELECT COUNT(*) FROM selfcheck_results`); n != 0 {
			t.Fatal("the anonymous API stored state")
		}
	})
}

// answerPart posts one part of the web form with the same answer for all.
func answerPart(t *testing.T, e *apptest.Env, c *http.Client, part int, items []int, value string) apptest.Response {
	f := url.Values{}
	for _, n := range items {
		f.Set("q"+strconv.Itoa(n), value)
	}
	return e.Post(c, "/selfcheck/part/"+strconv.Itoa(part), f)
}

var partItems = [][]int{{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, {19, 20, 21, 22, 23, 24, 25}}

func TestSelfcheckWebFlowAndSave(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Client()
		expectStatus(t, e.Get(c, "/selfcheck"), 200)
		r := e.Get(c, "/selfcheck/part/1")
		expectStatus(t, r, 200)
		mustContain(t, r, `name="q1"`, `name="q5"`)
		expectStatus(t, e.Get(c, "/selfcheck/part/4"), http.StatusNotFound)
		// A part with a gap is refused and nothing is lost.
		f := url.Values{"q1": {"implemented"}, "q2": {"bogus"}}
		r = e.Post(c, "/selfcheck/part/1", f)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, "すべての質問に回答してください")
		r = answerPart(t, e, c, 1, partItems[0], "implemented")
		expectStatus(t, r, http.StatusSeeOther)
		if r.Location != "/selfcheck/part/2" {
			t.Fatalf("after part 1: %q", r.Location)
		}
		// The result is not available before every part is answered.
		r = e.Get(c, "/selfcheck/result")
		if r.Status != http.StatusSeeOther || r.Location != "/selfcheck/part/2" {
			t.Fatalf("incomplete result: %d %q", r.Status, r.Location)
		}
		// Reloading a part shows the saved answers.
		mustContain(t, e.Get(c, "/selfcheck/part/1"), `value="implemented" checked`)
		answerPart(t, e, c, 2, partItems[1], "partial")
		r = answerPart(t, e, c, 3, partItems[2], "unknown")
		if r.Location != "/selfcheck/result" {
			t.Fatalf("after last part: %q", r.Location)
		}
		r = e.Get(c, "/selfcheck/result")
		expectStatus(t, r, 200)
		// 5×4 + 13×2 + 7×(−1) = 39
		mustContain(t, r, `id="result-score">39<`, `id="review-items"`, "<svg", `id="save-signup"`,
			`id="result-toc"`, `<a href="#review-items">`, `<a href="#save-box">`, `id="plan-index"`, `<a href="#action-6">6. `)

		// Saving needs an account and an organisation.
		expectStatus(t, e.Get(c, "/selfcheck/save"), http.StatusSeeOther)
		u := e.CreateUser("owner@example.jp", "owner password 1")
		e.SetSession(c, u.ID)
		r = e.Get(c, "/selfcheck/save")
		expectStatus(t, r, 200)
		mustContain(t, r, `id="save-no-org"`)
		var o *org.Org
		e.DB.InTx(context.Background(), func(tx *db.Tx) error {
			var err error
			o, err = e.App.Orgs.Create(context.Background(), tx, nil, u.ID, org.CreateInput{Name: "診断株式会社"})
			return err
		})
		e.SetSession(c, u.ID)
		expectStatus(t, e.Post(c, "/selfcheck/save", url.Values{"org": {"someone-else"}}), http.StatusUnprocessableEntity)
		r = e.Post(c, "/selfcheck/save", url.Values{"org": {o.Slug}})
		expectStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Location, "/orgs/"+o.Slug+"/selfcheck/") {
			t.Fatalf("save redirect %q", r.Location)
		}
		if n := e.Count(`SELECT COUNT(*) FROM selfcheck_results WHERE org_id = ? AND score = 39`, o.ID); n != 1 {
			t.Fatal("result not stored")
		}
		if n := e.Count(`SELECT COUNT(*) FROM selfcheck_drafts`); n != 0 {
			t.Fatal("draft kept after saving")
		}
		if n := e.Count(`SELECT COUNT(*) FROM jobs WHERE kind = 'selfcheck.reminder' AND status = 'pending'`); n != 1 {
			t.Fatal("no reminder scheduled")
		}
		stored := r.Location
		r = e.Get(c, stored)
		expectStatus(t, r, 200)
		mustContain(t, r, `id="result-score">39<`, `id="done-6"`, `id="result-toc"`)
		if strings.Contains(r.Body, `href="#save-box"`) {
			t.Error("a saved result links to the save box")
		}
		// Mark an action done; another organisation's owner sees nothing.
		id := stored[strings.LastIndex(stored, "/")+1:]
		expectStatus(t, e.Post(c, stored+"/actions/6", url.Values{"done": {"1"}}), http.StatusSeeOther)
		if n := e.Count(`SELECT COUNT(*) FROM selfcheck_actions_done WHERE result_id = ? AND item = 6`, id); n != 1 {
			t.Fatal("action not marked done")
		}
		expectStatus(t, e.Post(c, stored+"/actions/99", url.Values{"done": {"1"}}), http.StatusNotFound)
		other := e.CreateUser("other@example.jp", "other password 1")
		var o2 *org.Org
		e.DB.InTx(context.Background(), func(tx *db.Tx) error {
			var err error
			o2, err = e.App.Orgs.Create(context.Background(), tx, nil, other.ID, org.CreateInput{Name: "他社"})
			return err
		})
		oc := e.SessionClient(other.ID)
		expectStatus(t, e.Get(oc, stored), http.StatusNotFound)
		expectStatus(t, e.Get(oc, "/orgs/"+o2.Slug+"/selfcheck/"+id), http.StatusNotFound)

		// History with a site and the aggregate.
		expectStatus(t, e.Post(c, "/orgs/"+o.Slug+"/selfcheck/sites", url.Values{"name": {"大阪支店"}}), http.StatusSeeOther)
		expectStatus(t, e.Post(c, "/orgs/"+o.Slug+"/selfcheck/sites", url.Values{"name": {"大阪支店"}}), http.StatusConflict)
		var siteID string
		e.DB.QueryRowContext(context.Background(), `SELECT id FROM selfcheck_sites WHERE org_id = ?`, o.ID).Scan(&siteID)
		for i, part := range partItems {
			answerPart(t, e, c, i+1, part, "implemented")
		}
		expectStatus(t, e.Post(c, "/selfcheck/save", url.Values{"org": {o.Slug}, "site": {siteID}}), http.StatusSeeOther)
		r = e.Get(c, "/orgs/"+o.Slug+"/selfcheck")
		expectStatus(t, r, 200)
		// (39 + 100) / 2 = 69
		mustContain(t, r, `id="sites-aggregate"`, "69", "大阪支店", "<svg")
	})
}

func TestSelfcheckReminder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.CreateUser("remind@example.jp", "remind password")
		var o *org.Org
		ctx := context.Background()
		e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "リマインド株式会社"})
			return err
		})
		answers := map[string]string{}
		for i := 1; i <= 25; i++ {
			answers[strconv.Itoa(i)] = "partial"
		}
		e.DB.InTx(ctx, func(tx *db.Tx) error {
			_, err := e.App.Check.Save(ctx, tx, nil, o.ID, "", u.ID, answers)
			return err
		})
		// Nothing is due yet.
		e.App.Jobs.Drain(ctx)
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'remind@example.jp'`); n != 0 {
			t.Fatal("reminder sent early")
		}
		var runAt string
		e.DB.QueryRowContext(ctx, `SELECT CAST(run_at AS TEXT) FROM jobs WHERE kind = 'selfcheck.reminder'`).Scan(&runAt)
		if !strings.HasPrefix(runAt, strconv.Itoa(db.Now().Year()+1)) {
			t.Fatalf("reminder due %s, want a year from now", runAt)
		}
		// A year later the owner is mailed.
		e.DB.ExecContext(ctx, `UPDATE jobs SET run_at = ? WHERE kind = 'selfcheck.reminder'`, db.Now())
		if err := e.App.Jobs.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'remind@example.jp' AND body LIKE '%リマインド株式会社%'`); n != 1 {
			t.Fatal("no reminder mail")
		}
	})
}

func TestSelfcheckResultsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("api-owner@example.jp", "api owner pw 1")
		var o *org.Org
		e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "API株式会社"})
			return err
		})
		c := e.SessionClient(u.ID)
		tok := e.Post(c, "/settings/tokens", url.Values{"name": {"bench"}})
		i := strings.Index(tok.Body, "mamori_")
		token := tok.Body[i : i+7+52]
		hdr := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
		path := "/api/v1/orgs/" + o.Slug + "/selfcheck/results"
		r := e.Do(e.Client(), "POST", path, strings.NewReader(answersJSON(25, "implemented")), hdr)
		expectStatus(t, r, http.StatusCreated)
		mustContain(t, r, `"score":100`, `"band":"entry"`)
		r = e.Do(e.Client(), "POST", path, strings.NewReader(answersJSON(24, "implemented")), hdr)
		expectStatus(t, r, http.StatusBadRequest)
		mustContain(t, r, `"answers.25"`)
		r = e.Do(e.Client(), "POST", path, strings.NewReader(`{"answers":{},"site":"nowhere"}`), hdr)
		expectStatus(t, r, http.StatusBadRequest)
		r = e.Do(e.Client(), "GET", path, nil, hdr)
		expectStatus(t, r, 200)
		if strings.Count(r.Body, `"id"`) != 1 {
			t.Fatalf("list: %s", r.Body)
		}
		other := e.CreateUser("api-other@example.jp", "api other pw 1")
		r = e.Do(e.SessionClient(other.ID), "POST", path, strings.NewReader(answersJSON(25, "implemented")),
			map[string]string{"Content-Type": "application/json"})
		expectStatus(t, r, http.StatusNotFound)
		if n := e.Count(`SELECT COUNT(*) FROM selfcheck_results`); n != 1 {
			t.Fatalf("%d results stored", n)
		}
	})
}

// TestSelfcheckOldVersionWording: a result keeps the question set it was
// answered with, and is shown in that set's words after the set changes.
func TestSelfcheckOldVersionWording(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		content := e.App.Check.Content
		old := *content.Current
		old.Version = "2020-1"
		old.Parts = append([]selfcheck.Part(nil), content.Current.Parts...)
		old.Parts[0].Items = append([]selfcheck.Item(nil), content.Current.Parts[0].Items...)
		old.Parts[0].Items[0].Question = selfcheck.Text{Ja: "旧い文言の質問一", En: "Old wording of question one"}
		content.Versions[old.Version] = &old

		u := e.CreateUser("v@example.jp", "version pw 12")
		var o *org.Org
		e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "版管理株式会社"})
			return err
		})
		answers := map[string]string{}
		for i := 1; i <= 25; i++ {
			answers[strconv.Itoa(i)] = "not_implemented"
		}
		b, _ := json.Marshal(answers)
		e.DB.ExecContext(ctx, `INSERT INTO selfcheck_results (id, org_id, version, score, band, answers, taken_by, taken_at) VALUES ('old-result', ?, '2020-1', 0, 'high_risk', ?, ?, ?)`,
			o.ID, string(b), u.ID, db.Now())
		r := e.Get(e.SessionClient(u.ID), "/orgs/"+o.Slug+"/selfcheck/old-result")
		expectStatus(t, r, 200)
		mustContain(t, r, "旧い文言の質問一", "2020-1")
	})
}
