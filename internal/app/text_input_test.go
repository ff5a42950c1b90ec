package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/org"
)

type apiErrorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// expectTextRefused checks a 400 naming field with a message in lang.
func expectTextRefused(t *testing.T, r apptest.Response, field, lang string) {
	t.Helper()
	expectStatus(t, r, http.StatusBadRequest)
	var b apiErrorBody
	if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	msg, ok := b.Error.Fields[field]
	if b.Error.Code != "invalid" || !ok || len(b.Error.Fields) != 1 {
		t.Fatalf("want field %q named: %s", field, r.Body)
	}
	want := map[string]string{"ja": "文字", "en": "not"}[lang]
	if !strings.Contains(msg, want) || !strings.Contains(b.Error.Message, want) {
		t.Fatalf("message not in %s: %s", lang, r.Body)
	}
}

// TestAPIRefusesNonUnicodeText: every API route that takes JSON refuses
// invalid UTF-8 and lone surrogate escapes with a 400 naming the field in
// the caller's language, and stores nothing; encoding/json alone would
// have stored U+FFFD.
func TestAPIRefusesNonUnicodeText(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("text-owner@example.jp", "text owner pw 1")
		token, _, err := auth.CreateAPIToken(ctx, e.DB, u.ID, "text")
		if err != nil {
			t.Fatal(err)
		}
		hdr := func(lang string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept-Language": lang}
		}
		c := e.Client()
		bad := []struct{ body, field string }{
			{"{\"name\":\"\xff\xfe株式会社\"}", "name"},
			{`{"name":"正しい名前","name_en":"Yamada\ud800"}`, "name_en"},
			{`{"name":"正しい名前","name_kana":"\udc00ヤマダ"}`, "name_kana"},
			{"{\"name\":\"正しい名前\",\"prefecture\":\"1\xc3\"}", "prefecture"},
		}
		for _, lang := range []string{"ja", "en"} {
			for _, b := range bad {
				r := e.Do(c, "POST", "/api/v1/orgs", strings.NewReader(b.body), hdr(lang))
				expectTextRefused(t, r, b.field, lang)
			}
		}
		if n := e.Count(`SELECT COUNT(*) FROM orgs`); n != 0 {
			t.Fatalf("%d organisations stored from refused bodies", n)
		}

		var o *org.Org
		if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			o, err = e.App.Orgs.Create(ctx, tx, nil, u.ID, org.CreateInput{Name: "文字株式会社", NameEn: "Moji"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"ja", "en"} {
			for _, b := range bad {
				r := e.Do(c, "PATCH", "/api/v1/orgs/"+o.Slug, strings.NewReader(b.body), hdr(lang))
				expectTextRefused(t, r, b.field, lang)
			}
		}
		if n := e.Count(`SELECT COUNT(*) FROM orgs WHERE name = ? AND name_en = ? AND name_kana = '' AND prefecture = ''`, "文字株式会社", "Moji"); n != 1 {
			t.Fatal("a refused PATCH changed the organisation")
		}

		answers := strings.TrimSuffix(answersJSON(25, "implemented"), "}")
		for _, lang := range []string{"ja", "en"} {
			path := "/api/v1/orgs/" + o.Slug + "/selfcheck/results"
			r := e.Do(c, "POST", path, strings.NewReader(answers+`,"site":"本社\udbff"}`), hdr(lang))
			expectTextRefused(t, r, "site", lang)
			r = e.Do(c, "POST", path, strings.NewReader(strings.Replace(answers, `"7":"implemented"`, "\"7\":\"implemented\xff\"", 1)+"}"), hdr(lang))
			expectTextRefused(t, r, "answers.7", lang)
			// The public score endpoint stores nothing, but answers the same.
			r = e.Do(c, "POST", "/api/v1/selfcheck/score", strings.NewReader(strings.Replace(answers, `"3":"implemented"`, `"3":"\ud800"`, 1)+"}"),
				map[string]string{"Content-Type": "application/json", "Accept-Language": lang})
			expectTextRefused(t, r, "answers.3", lang)
		}
		if n := e.Count(`SELECT COUNT(*) FROM selfcheck_results`); n != 0 {
			t.Fatalf("%d results stored from refused bodies", n)
		}
	})
}

// TestNamesRefuseDirectionControls: U+202E and the other bidirectional
// formatting characters are refused in organisation names and users'
// display names, through the API and the forms, with a message (in the
// user's language) that says what is wrong, and nothing is stored.
func TestNamesRefuseDirectionControls(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := e.CreateUser("bidi-owner@example.jp", "bidi owner pw 1")
		token, _, err := auth.CreateAPIToken(ctx, e.DB, u.ID, "bidi")
		if err != nil {
			t.Fatal(err)
		}
		msg := map[string]string{"ja": "表示順を入れ替える", "en": "reading direction"}
		c := e.Client()
		for _, lang := range []string{"ja", "en"} {
			hdr := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept-Language": lang}
			for field, body := range map[string]string{
				"name":    `{"name":"山田精機\u202Egnp.exe"}`,
				"name_en": `{"name":"山田精機","name_en":"Yamada \u2067Seiki"}`,
			} {
				for _, c := range []string{"\u202E", "\u202A", "\u2066", "\u200F", "\u061C"} {
					b := strings.NewReplacer(`\u202E`, c, `\u2067`, c).Replace(body)
					r := e.Do(e.Client(), "POST", "/api/v1/orgs", strings.NewReader(b), hdr)
					expectStatus(t, r, http.StatusBadRequest)
					var eb apiErrorBody
					if err := json.Unmarshal([]byte(r.Body), &eb); err != nil || !strings.Contains(eb.Error.Fields[field], msg[lang]) {
						t.Fatalf("%s %q: %s", lang, b, r.Body)
					}
				}
			}
		}
		if n := e.Count(`SELECT COUNT(*) FROM orgs`); n != 0 {
			t.Fatalf("%d organisations stored with direction controls", n)
		}
		// The forms say the same, in the user's language.
		s := e.SessionClient(u.ID)
		r := e.Post(s, "/orgs/new", map[string][]string{"name": {"山田精機\u202Egnp.exe"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, msg["ja"])
		if n := e.Count(`SELECT COUNT(*) FROM orgs`); n != 0 {
			t.Fatalf("%d organisations stored from the form", n)
		}
		r = e.Post(s, "/settings/profile", map[string][]string{"name": {"山田\u202E太郎"}, "lang": {"en"}})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, msg["ja"])
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE name LIKE ?`, "%\u202E%"); n != 0 {
			t.Fatal("display name stored with U+202E")
		}
		r = e.Do(c, "POST", "/signup", strings.NewReader("email=bidi-new%40example.jp&name=%E2%80%AEevil&password=long+enough+pw&password_confirm=long+enough+pw"),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": e.URL, "Accept-Language": "en"})
		expectStatus(t, r, http.StatusUnprocessableEntity)
		mustContain(t, r, msg["en"])
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE email = ?`, "bidi-new@example.jp"); n != 0 {
			t.Fatal("signup stored a name with U+202E")
		}
	})
}
