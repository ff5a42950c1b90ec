package journey_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mamori/internal/apptest"
	"mamori/internal/assets"
	"mamori/internal/auth"
	"mamori/internal/browsertest"
	"mamori/internal/cloudcheck"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/declaration"
	"mamori/internal/incident"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/web"
)

// TestBrowserEveryPageFitsAPhone signs in as the owner of an organisation
// with everything filled in (a diagnosis, a ledger of assets with long
// Japanese names and addresses, a declaration, a policy, controls
// answers, a cloud check, an incident card and log, a member with a long
// e-mail address) and visits every page reachable by links from the
// dashboard and the main navigation, and the public pages, in Japanese
// and English, at a phone's width (390 px) and a laptop's (1280 px): none
// scrolls sideways, and none logs a console error. The pages are found by
// following links, so a page linked later is covered without a change
// here. MAMORI_REVIEW_SHOTS saves a screenshot of each.
func TestBrowserEveryPageFitsAPhone(t *testing.T) {
	t.Parallel()
	browsertest.JapaneseFont(t)
	e := apptest.Start(t, dbtest.SQLite(t))
	owner, o, number := seedFullOrg(t, e)
	admin := e.CreateUser("unyou.kanrisha.system-administrator@mamori-operations.example.jp", seedPassword, web.RoleOperatorAdmin)
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			rv := newReviewer(t, e, lang)
			rv.phoneHeight = 844
			anon := browsers.New(t, browsertest.WithLang(lang), browsertest.WithViewport(390, 844), browsertest.WithTimeout(10*time.Minute))
			public := []string{"/", "/v/" + number, "/registry", "/registry?q=" + url.QueryEscape(o.Name), "/login", "/signup", "/selfcheck"}
			for _, p := range public {
				rv.fits(anon, p)
			}
			// The icon browsers ask for on their own is there (browsertest
			// leaves its failed load out of ConsoleErrors).
			icon, err := chromedp.Run(anon.Ctx(), chromedp.Evaluate[string](`fetch("/favicon.ico").then(function (r) { return r.status + " " + r.headers.get("content-type") })`, chromedp.EvalAwaitPromise))
			if err != nil || icon != "200 image/svg+xml" {
				t.Errorf("/favicon.ico: %q (%v)", icon, err)
			}
			seen := map[string]bool{}
			for _, p := range public {
				seen[p] = true
			}
			// The owner's pages, then the operator's (the audit log, the
			// accounts, the outbox) that no owner reaches.
			for _, u := range []*auth.User{owner, admin} {
				br := browsers.New(t, browsertest.WithLang(lang), browsertest.WithViewport(390, 844), browsertest.WithTimeout(20*time.Minute))
				rv.login(br, u.Email, seedPassword)
				walkLinks(t, rv, br, e.SessionClient(u.ID), seen)
			}
			var visited []string
			for p := range seen {
				visited = append(visited, p)
			}
			slices.Sort(visited)
			t.Logf("%s: %d addresses seen: %s", lang, len(visited), strings.Join(visited, " "))
			// The walk must reach the organisation's pages, or it proves
			// nothing about them.
			for _, want := range []string{"/orgs/" + o.Slug + "/assets", "/orgs/" + o.Slug + "/risk", "/orgs/" + o.Slug + "/controls",
				"/orgs/" + o.Slug + "/members", "/orgs/" + o.Slug + "/declaration", "/orgs/" + o.Slug + "/incident/card", "/admin/audit"} {
				if !seen[want] {
					t.Errorf("%s: the walk did not reach %s", lang, want)
				}
			}
		})
	}
}

const seedPassword = "phone owner pw 1"

// recordID matches a path segment that names one record (a UUID or a
// number), for walkLinks's one-page-per-template rule.
var recordID = regexp.MustCompile(`/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9]+)\b`)

// walkLinks visits the dashboard, the main navigation and every page they
// lead to, breadth first, marking each address in seen. Of the pages one
// template draws for several records (an asset, an account, a log
// entry) it looks at the first: the others add time, not pages.
func walkLinks(t *testing.T, rv *reviewer, br *browsertest.Browser, html *http.Client, seen map[string]bool) {
	t.Helper()
	e := rv.e
	shapes := map[string]bool{}
	queue := []string{"/dashboard"}
	br.Run(chromedp.Navigate(e.URL + "/dashboard"))
	queue = append(queue, sameOrigin(t, br, e.URL, `header nav a[href]`)...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		if shape := recordID.ReplaceAllString(p, "/{id}"); shapes[shape] {
			continue
		} else {
			shapes[shape] = true
		}
		if !isPage(t, e, html, p) {
			continue
		}
		rv.fits(br, p)
		queue = append(queue, sameOrigin(t, br, e.URL, `a[href]`)...)
		if len(seen) > 300 {
			t.Fatalf("more than 300 pages reachable from the dashboard: a link loops (%s)", p)
		}
	}
}

// fits looks at path at both widths (the reviewer's checks) and fails on
// any console error the page logged.
func (rv *reviewer) fits(br *browsertest.Browser, path string) {
	rv.t.Helper()
	before := len(br.ConsoleErrors())
	name := strings.NewReplacer("/", "_", "?", "_", "=", "_", "%", "").Replace(strings.TrimPrefix(path, "/"))
	if name == "" {
		name = "home"
	}
	rv.look(br, name, path)
	for _, m := range br.ConsoleErrors()[before:] {
		rv.t.Errorf("%s (%s): console error: %s %s", path, rv.lang, m.Text, m.URL)
	}
}

// sameOrigin lists the paths (with their queries, without fragments) of
// the page's links matching sel that stay on the application.
func sameOrigin(t *testing.T, br *browsertest.Browser, base, sel string) []string {
	t.Helper()
	hrefs, err := chromedp.Run(br.Ctx(), chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+strconv.Quote(sel)+`)).map(function (a) { return new URL(a.getAttribute("href") || a.getAttribute("xlink:href") || "", location.href).href })`))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil || !strings.HasPrefix(h, base+"/") {
			continue
		}
		p := u.EscapedPath()
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		out = append(out, p)
	}
	return out
}

// isPage reports whether path answers the signed-in owner with an HTML
// page (not a download, a feed or a static file). It is asked with a
// plain HTTP client of the same account, so a download never reaches the
// browser.
func isPage(t *testing.T, e *apptest.Env, c *http.Client, path string) bool {
	t.Helper()
	if strings.HasPrefix(path, "/static/") {
		return false
	}
	res := e.Get(c, path)
	if res.Status == http.StatusSeeOther || res.Status == http.StatusFound {
		return true // the browser follows it to a page
	}
	return res.Status == http.StatusOK && strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") &&
		res.Header.Get("Content-Disposition") == ""
}

var controlAnswer = regexp.MustCompile(`name="answer\.([a-z_]+\.[0-9]+)"`)

// seedFullOrg builds an organisation with something on every page, with
// the long names and addresses real users type: the owner, the
// organisation and its one-star declaration's number.
func seedFullOrg(t *testing.T, e *apptest.Env) (*auth.User, *org.Org, string) {
	ctx := context.Background()
	owner := e.CreateUser("sakura.takahashi-yamamoto.information-security@yamada-seimitsu-kikai-seisakusho.example.co.jp", seedPassword)
	staff := e.CreateUser("jimukyoku.tantousha.kanri.bumon.daihyou.madoguchi@yamada-seimitsu-kikai-seisakusho.example.co.jp", "staff password 1")
	employees := 48
	o, err := e.App.Orgs.Create(ctx, e.DB, nil, owner.ID, org.CreateInput{
		Name: "株式会社山田精密機械製作所北関東第二工場情報システム管理部門", NameKana: "ヤマダセイミツキカイセイサクショ",
		NameEn: "Yamada Precision Machinery Manufacturing Co., Ltd. Kita-Kanto Second Plant", Prefecture: "09", Industry: "E", Employees: &employees})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Orgs.AddMember(ctx, e.DB, nil, o.Slug, staff.ID, org.RoleMember); err != nil {
		t.Fatal(err)
	}
	c := e.SessionClient(owner.ID)
	expectSeeOther := func(res apptest.Response, what string) {
		t.Helper()
		if res.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d %.400s", what, res.Status, res.Body)
		}
	}
	expectSeeOther(e.Post(c, "/orgs/"+o.Slug+"/invitations", url.Values{"email": {"keiri.soumu.jinji.kyouiku.tantou.2026nendo.shinnyuushain@yamada-seimitsu-kikai-seisakusho.example.co.jp"}, "role": {org.RoleMember}}), "invitation")

	// A diagnosis, answered through the form and saved.
	for part, value := range []string{"implemented", "partial", "not_implemented"} {
		f := url.Values{}
		for _, n := range partItems[part] {
			f.Set("q"+strconv.Itoa(n), value)
		}
		expectSeeOther(e.Post(c, "/selfcheck/part/"+strconv.Itoa(part+1), f), "diagnosis part")
	}
	expectSeeOther(e.Post(c, "/selfcheck/save", url.Values{"org": {o.Slug}}), "saving the diagnosis")

	// The ledger: long names, notes with addresses, every medium.
	now := db.Now()
	var ids []string
	for i, a := range []assets.Input{
		{BusinessArea: "営業本部第一営業部（北関東・東北・信越地区担当）", Name: "取引先顧客名簿（法人・個人事業主・見込み客を含む全件、2019年度以降の商談履歴付き）",
			Notes: "https://drive.example.com/shared/eigyou-honbu/kokyaku-meibo/2019-2026/master-list-final-version-2.xlsx", Users: "営業部全員・経理部課長以上", Department: "営業本部",
			Storage: "クラウドストレージ（https://drive.example.com/shared/eigyou-honbu/）", PersonalData: "personal", C: "3", I: "2", A: "2", Medium: "cloud", Threat: "3", Vulnerability: "3",
			VulnerabilityReason: "共有リンクが「リンクを知っている全員」になっているフォルダがある", Treatment: "reduce", TreatmentOwner: "情報システム管理部門長", TreatmentDue: "2026-03-31"},
		{BusinessArea: "経理", Name: "給与計算データ（マイナンバー・扶養控除等申告書・口座情報）", Users: "経理部", Department: "総務経理部",
			Storage: "経理室の施錠キャビネット", PersonalData: "sensitive", C: "3", I: "3", A: "2", Medium: "paper", Threat: "2", Treatment: "accept"},
		{BusinessArea: "製造", Name: "NC工作機械加工プログラム（顧客支給図面からの変換データ）", Users: "製造部", Department: "製造部",
			Storage: `\\nas01.yamada-seimitsu.local\seizou\nc-programs\customer-drawings\2026`, C: "2", I: "3", A: "3", Medium: "server", Threat: "2", Vulnerability: "3", VulnerabilityReason: "NASの管理者パスワードが初期設定のまま", Treatment: "transfer"},
		{BusinessArea: "広報", Name: "会社案内パンフレット", Storage: "https://www.yamada-seimitsu-kikai-seisakusho.example.co.jp/company/brochure/2026/", C: "1", I: "1", A: "1", Medium: "office_pc", Threat: "1"},
	} {
		a, err := assets.Create(ctx, e.DB, o.ID, a, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}

	// A one-star declaration, then a published policy.
	dec, err := e.App.Decl.DeclareOneStar(ctx, nil, o.ID, o.Name, owner.ID, declaration.OneStarInput{
		Commit: [declaration.NumPrinciples]bool{true, true, true, true, true}, DeclarantName: "高橋山本 さくら", DeclarantTitle: "代表取締役社長兼情報セキュリティ責任者", Authorised: true})
	if err != nil {
		t.Fatal(err)
	}
	tpl := policy.Template("ja")
	in := policy.DraftInput{Lang: "ja", Intro: tpl.Intro, Representative: "高橋山本 さくら", RepresentativeTitle: "代表取締役社長"}
	for i, s := range tpl.Sections {
		in.Sections[i] = s.Body
	}
	if _, err := e.App.Policy.Publish(ctx, nil, o.ID, owner.ID, in); err != nil {
		t.Fatal(err)
	}

	// The controls sheet, every item answered through the form.
	sheet := e.Get(c, "/orgs/"+o.Slug+"/controls")
	f := url.Values{}
	answers := []string{"in_place", "partial", "not_in_place", "not_applicable"}
	for i, m := range controlAnswer.FindAllStringSubmatch(sheet.Body, -1) {
		f.Set("answer."+m[1], answers[i%len(answers)])
		if i%7 == 0 {
			f.Set("note."+m[1], "https://wiki.example.co.jp/security/procedures/"+m[1]+"/checklist-and-evidence-2026")
		}
	}
	if len(f) == 0 {
		t.Fatal("no controls on the sheet")
	}
	expectSeeOther(e.Post(c, "/orgs/"+o.Slug+"/controls", f), "controls")

	// A cloud service checked, with a long address.
	svc, err := e.App.Cloud.Create(ctx, nil, o.ID, owner.ID, cloudcheck.Input{Name: "グループウェア（スケジュール・ファイル共有・ワークフロー）",
		Provider: "株式会社サンプルクラウドサービシーズ", Purpose: "全社の予定表と稟議", URL: "https://groupware.example.com/tenant/yamada-seimitsu-kikai-seisakusho/portal/home", AssetIDs: ids[:1]})
	if err != nil {
		t.Fatal(err)
	}
	var ans cloudcheck.AnswersInput
	for i := range ans {
		ans[i].Answer = []string{"yes", "no", "na"}[i%3]
	}
	if _, err := e.App.Cloud.SaveAnswers(ctx, nil, o.ID, owner.ID, svc.ID, ans); err != nil {
		t.Fatal(err)
	}

	// The incident card with long contacts, and an incident in the log.
	card := incident.DefaultCard("ja", o)
	card.Internal[0].Name, card.Internal[0].Phone, card.Internal[0].Email = "高橋山本 さくら", "090-1234-5678", owner.Email
	card.Internal[1].Name, card.Internal[1].Phone, card.Internal[1].Email = "事務局 担当者", "0285-12-3456", staff.Email
	card.Outside[1].Phone, card.Outside[1].URL = "0285-00-0110", "https://www.police.example.lg.jp/seikatsu-anzen/cyber-crime/soudan-madoguchi/"
	if _, err := e.App.Incident.SaveCard(ctx, nil, o.ID, owner.ID, &card, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Incident.CreateIncident(ctx, nil, o.ID, owner.ID, incident.EntryInput{
		Title: "取引先を装った請求書メールの添付ファイルを開封（経理部PC、https://invoice-verify.bad-example.com/download?id=8f3a2c）", FoundAt: "2026-04-10T09:15",
		Description: "経理部の担当者が、取引先の担当者名で届いた請求書メールの添付ファイルを開いた。", Impact: "経理部のPC一台", Actions: "LANケーブルを抜いて情報システム管理部門長に連絡した"}); err != nil {
		t.Fatal(err)
	}
	return owner, o, dec.Number
}
