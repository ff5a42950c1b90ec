package assets

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"mamori/internal/controls"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestLedgerPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		base := "/orgs/" + h.org.Slug + "/assets"

		// An empty ledger says how to start, in both languages.
		expect(t, h.Get(base, h.member), 200, "まだ情報資産が登録されていません")
		expect(t, h.Get(base+"?lang=en", h.member), 200, "No information assets yet")

		// A member adds an asset; importance and its rule are shown.
		w := h.Post(base+"/new", h.member, assetForm("name", "顧客名簿", "business_area", "営業", "personal_data", "personal",
			"confidentiality", "1", "integrity", "1", "availability", "1", "medium", "office_pc", "storage", "事務所の共有PC"))
		expect(t, w, http.StatusSeeOther)
		list, _ := List(context.Background(), d, h.org.ID, Filter{})
		if len(list) != 1 || list[0].Name != "顧客名簿" || list[0].Medium != "office_pc" {
			t.Fatalf("stored %+v", list)
		}
		a := list[0]
		expect(t, h.Get(base, h.member), 200, "顧客名簿", "個人情報を含むため2以上", "事務所内の PC", "未評価")
		expect(t, h.Get(base+"?lang=en", h.member), 200, "at least 2 because it holds personal information", "Not assessed")

		// Bad input: every problem named, what was typed kept, nothing stored.
		w = h.Post(base+"/new", h.member, assetForm("name", "", "confidentiality", "4", "personal_data", "pii", "notes", "ok",
			"registered_on", "2026-13-01", "medium", "fax", "vulnerability", "2"))
		expect(t, w, http.StatusUnprocessableEntity, "情報資産の名称を入力してください", "1・2・3のいずれか", "媒体の種類を一覧から選んでください", "理由を書いてください")
		w = h.Post(base+"/new?lang=en", h.member, assetForm("name", "x", "treatment", "ignore"))
		expect(t, w, http.StatusUnprocessableEntity, "Choose reduce, avoid, transfer or accept")
		if n := h.count(t, `SELECT COUNT(*) FROM assets`); n != 1 {
			t.Fatalf("bad input stored something: %d assets", n)
		}

		// Risk figures: threat 3 and an override of 3 with a reason give,
		// under the guideline, importance 2 × likelihood 3 = 6 (high).
		w = h.Post(base+"/"+a.ID, h.member, assetForm("name", "顧客名簿", "personal_data", "personal", "confidentiality", "1", "integrity", "1",
			"availability", "1", "medium", "office_pc", "threat", "3", "vulnerability", "3", "vulnerability_reason", "パスワードなしで共有", "treatment", "reduce",
			"treatment_owner", "総務 山田", "treatment_due", "2027/03/31"))
		expect(t, w, http.StatusSeeOther)
		w = h.Get(base+"/"+a.ID, h.member)
		expect(t, w, 200, `id="figure-risk"`, ">6</span>", "現行ガイドライン方式", "手で設定", "2027-03-31", "要対応")

		// Duplicate and soft delete, then restore.
		expect(t, h.Post(base+"/"+a.ID+"/duplicate", h.member, nil), http.StatusSeeOther)
		list, _ = List(context.Background(), d, h.org.ID, Filter{})
		if len(list) != 2 || list[1].Name != "顧客名簿（コピー）" || list[1].Threat != 3 {
			t.Fatalf("duplicate: %+v", list[1])
		}
		expect(t, h.Post(base+"/"+list[1].ID+"/delete", h.member, nil), http.StatusSeeOther)
		expectNot(t, h.Get(base, h.member), "顧客名簿（コピー）")
		expect(t, h.Get(base+"?deleted=1", h.member), 200, "顧客名簿（コピー）", "元に戻す")
		expect(t, h.Post(base+"/"+list[1].ID+"/edit-nothing", h.member, nil), http.StatusNotFound)
		expect(t, h.Post(base+"/"+list[1].ID, h.member, assetForm("name", "x")), http.StatusConflict)
		expect(t, h.Post(base+"/"+list[1].ID+"/delete", h.member, nil), http.StatusNotFound)
		expect(t, h.Post(base+"/"+list[1].ID+"/restore", h.member, nil), http.StatusSeeOther)
		expect(t, h.Get(base, h.member), 200, "顧客名簿（コピー）")

		// Filters and sorts.
		h.add(t, h.org.ID, Input{Name: "会社案内", C: "1", I: "1", A: "1"})
		w = h.Get(base+"?min_importance=2&sort=name", h.member)
		expect(t, w, 200, "顧客名簿")
		expectNot(t, w, "会社案内")
		expect(t, h.Get(base+"?q=案内", h.member), 200, "会社案内")
		expect(t, h.Get(base+"?sort=risk&personal_data=none", h.member), 200, "会社案内")

		// Another organisation's asset is never found, by id or in lists.
		theirs := h.add(t, h.other.ID, Input{Name: "よその秘密", C: "3", I: "3", A: "3"})
		for _, p := range []string{base + "/" + theirs.ID} {
			expect(t, h.Get(p, h.member), http.StatusNotFound)
			expect(t, h.Post(p, h.member, assetForm("name", "乗っ取り")), http.StatusNotFound)
			expect(t, h.Post(p+"/delete", h.member, nil), http.StatusNotFound)
			expect(t, h.Post(p+"/duplicate", h.member, nil), http.StatusNotFound)
		}
		expectNot(t, h.Get(base, h.member), "よその秘密")
		expect(t, h.Get(base, h.outsider), http.StatusNotFound)
		got, _ := Get(context.Background(), d, h.other.ID, theirs.ID)
		if got.Name != "よその秘密" || got.DeletedAt != nil {
			t.Fatal("another organisation's asset changed")
		}
	})
}

func TestRiskPageAndSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		ctx := context.Background()
		risk := "/orgs/" + h.org.Slug + "/risk"
		expect(t, h.Get(risk, h.member), 200, "リスク分析の前に")
		// Saving the defaults in force records no change.
		if _, err := SetSettings(ctx, d, h.org.ID, h.owner, Guideline, Guideline.DefaultThreshold, h.s.now()); !errors.Is(err, ErrUnchanged) {
			t.Fatalf("saving the defaults: %v", err)
		}
		if ch, _ := Changes(ctx, d, h.org.ID, 10); len(ch) != 0 {
			t.Fatalf("saving the defaults recorded %d changes", len(ch))
		}

		// Three assets: importance 3, 2, 1; the check sheet says partial
		// (vulnerability 2) for everything.
		answerAll(t, d, h.org.ID, h.owner, controls.Partial)
		hi := h.add(t, h.org.ID, Input{Name: "設計図", C: "3", I: "3", A: "2", Threat: "3", Medium: "server"})
		mid := h.add(t, h.org.ID, Input{Name: "見積書", C: "2", I: "2", A: "2", Threat: "2", Medium: "office_pc"})
		h.add(t, h.org.ID, Input{Name: "会社案内", C: "1", I: "1", A: "1"})

		an, err := Analyse(ctx, d, h.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Guideline: 設計図 3 × L(3,2)=2 → 6; 見積書 2 × L(2,2)=1 → 2;
		// 会社案内 has no threat → not assessed.
		if an.Rows[0].Risk != 6 || an.Rows[0].VulnerabilityFrom != "controls" || an.Rows[1].Risk != 2 || an.Rows[2].Assessed() {
			t.Fatalf("analysis %+v %+v %+v", an.Rows[0], an.Rows[1], an.Rows[2])
		}
		w := h.Get(risk, h.member)
		expect(t, w, 200, `id="heatmap"`, `id="heat-3-2" data-count="1"`, `id="heat-2-1" data-count="1"`, `id="above-`+hi.ID+`"`, "計算方法としきい値は組織のオーナーが決めます",
			`id="risk-controls-link" href="/orgs/`+h.org.Slug+`/controls"`)
		expectNot(t, w, `id="above-`+mid.ID+`"`, `id="risk-settings-form"`)
		expect(t, h.Get(risk+"?importance=3&column=2", h.member), 200, `id="risk-cell"`, "設計図")

		// A member may not change the method.
		expect(t, h.Post(risk+"/settings", h.member, map[string][]string{"method": {"classic"}}), http.StatusForbidden)
		// The owner switches to the older method: every figure is
		// recomputed (設計図 3×3×2 = 18, 見積書 2×2×2 = 8) and the change
		// recorded with the count over the threshold before and after.
		expect(t, h.Post(risk+"/settings", h.owner, map[string][]string{"method": {"classic"}, "threshold_classic": {"8"}}), http.StatusSeeOther)
		an, _ = Analyse(ctx, d, h.org.ID)
		if an.Settings.Method != Classic || an.Settings.Threshold != 8 || an.Rows[0].Risk != 18 || an.Rows[1].Risk != 8 || len(an.Above()) != 2 {
			t.Fatalf("after switch: %+v %+v %+v", an.Settings, an.Rows[0], an.Rows[1])
		}
		ch, _ := Changes(ctx, d, h.org.ID, 10)
		if len(ch) != 1 || ch[0].FromMethod != "guideline" || ch[0].ToMethod != "classic" || ch[0].AboveBefore != 1 || ch[0].AboveAfter != 2 || ch[0].ChangedBy == "" {
			t.Fatalf("change record %+v", ch)
		}
		if n := h.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, ActionSettingsChange); n != 1 {
			t.Fatalf("audit entries %d", n)
		}
		w = h.Get(risk+"?lang=en", h.owner)
		expect(t, w, 200, "older method", "Threat × vulnerability", `id="risk-settings-form"`, "1 → 2")
		// Saving the same settings again records nothing; a bad
		// threshold or method is refused with a message and changes
		// nothing.
		expect(t, h.Post(risk+"/settings", h.owner, map[string][]string{"method": {"classic"}, "threshold_classic": {"8"}}), http.StatusSeeOther)
		expect(t, h.Post(risk+"/settings", h.owner, map[string][]string{"method": {"classic"}, "threshold_classic": {"28"}}), http.StatusUnprocessableEntity, "しきい値を一覧から選んでください")
		expect(t, h.Post(risk+"/settings", h.owner, map[string][]string{"method": {"magic"}}), http.StatusUnprocessableEntity, "計算方法を選んでください")
		if ch, _ := Changes(ctx, d, h.org.ID, 10); len(ch) != 1 {
			t.Fatalf("changes after no-op and bad input: %d", len(ch))
		}
	})
}

// TestAssess checks where each figure comes from for every combination
// of override, check-sheet value and threat.
func TestAssess(t *testing.T) {
	derived := Derived{controls.MediumPaper: {Value: 3}, controls.NoMedium: {Value: 1}}
	s := DefaultSettings()
	cases := []struct {
		a          Asset
		vuln       Rating
		from       string
		risk       int
		above      bool
		assessedOK bool
	}{
		{Asset{C: 3, I: 1, A: 1, Medium: "paper", Threat: 3}, 3, "controls", 9, true, true},
		{Asset{C: 3, I: 1, A: 1, Medium: "paper", Threat: 3, Vulnerability: 1}, 1, "override", 3, false, true},
		{Asset{C: 1, I: 1, A: 1, Medium: "", Threat: 3}, 1, "controls", 1, false, true},
		{Asset{C: 2, I: 1, A: 1, Medium: "cloud", Threat: 3}, 0, "", 0, false, false},
		{Asset{C: 2, I: 1, A: 1, Medium: "paper"}, 3, "controls", 0, false, false},
	}
	for i, c := range cases {
		as := Assess(&c.a, s, derived)
		if as.Vulnerability != c.vuln || as.VulnerabilityFrom != c.from || as.Risk != c.risk || as.Above != c.above || as.Assessed() != c.assessedOK {
			t.Errorf("case %d: %+v", i, as)
		}
	}
	// The heat map counts each assessed asset once, in its square.
	an := &Analysis{Settings: s}
	for _, c := range cases {
		a := c.a
		an.Rows = append(an.Rows, Assess(&a, s, derived))
	}
	total := 0
	for _, row := range an.HeatMap() {
		for _, cell := range row {
			total += cell.Count
			if cell.Risk != int(cell.Importance)*cell.Column {
				t.Errorf("cell %+v", cell)
			}
		}
	}
	if total != 3 {
		t.Fatalf("heat map counts %d assets, want 3", total)
	}
	if l := an.Layout(); len(l.Cells) != 9 || strings.TrimSpace(l.Method) != "guideline" {
		t.Fatalf("layout %+v", l)
	}
}
