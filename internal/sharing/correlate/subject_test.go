package correlate

import (
	"strings"
	"testing"
)

func TestSubjectTemplate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Numbers and dates, in full-width or not.
		{"【重要】3月分請求書のご確認（No.48213）", "【重要】#月分請求書のご確認(no.#)"},
		{"【重要】４月分請求書のご確認（Ｎｏ．９９１２０）", "【重要】#月分請求書のご確認(no.#)"},
		{"2024/03/15 納品書送付のお知らせ", "#/#/# 納品書送付のお知らせ"},
		// The addressee goes, the lure's words before it stay, so
		// different lures to one person keep different templates.
		{"請求書 山田様", "請求書 *様"},
		{"見積書 山田様", "見積書 *様"},
		{"【重要】請求書送付 山田太郎様", "【重要】請求書送付 *様"},
		{"【重要】口座凍結 山田太郎様", "【重要】口座凍結 *様"},
		{"【重要】パスワード変更 ヤマダ様", "【重要】パスワード変更 *様"},
		{"株式会社サンプル 山田 太郎 様", "株式会社*様"},
		{"令和6年度 第三回 会議のご案内", "令和#年度 第#回 会議のご案内"},
		{"三月十五日の打ち合わせについて", "#月#日の打ち合わせについて"},
		{"一覧表の送付", "一覧表の送付"},
		{"Invoice INV-2024-0012 for March", "invoice inv-#-# for #"},
		{"Your order #A1B2C3 ships Monday, Jan 5th", "your order ## ships #, # #"},
		// Reply prefixes and receiving gateways' tags.
		{"RE: Fwd: [EXTERNAL] Invoice 1", "invoice #"},
		{"Re[2]: 転送: 見積書 【外部メール】", "見積書"},
		{"ＲＥ：　見積書", "見積書"},
		{"*** SPAM *** free money", "free money"},
		{"[meiwaku] [SPAM] 当選のお知らせ", "当選のお知らせ"},
		{"【注意喚起】不審メール", "【注意喚起】不審メール"},
		{"Registration: done", "registration: done"},
		// Names and pseudonyms.
		{"山田太郎様　ご請求書送付の件", "*様 ご請求書送付の件"},
		{"ヤマダ タロウ 様", "*様"},
		{"株式会社ＡＢＣ 御中 お見積り", "*御中 お見積り"},
		{"佐々木さま 確認依頼", "*さま 確認依頼"},
		{"taro.yamada@example.co.jp様 パスワード期限のお知らせ", "@様 パスワード期限のお知らせ"},
		{"<recipient:r7f3a9b2>様 請求書", "<>様 請求書"},
		// What mailparse.Sanitize leaves of names and addresses.
		{"[recipient-abcdefabcdef]様 ご請求書送付の件", "*様 ご請求書送付の件"},
		{"RE: recipient-3f9a2b1c04de@redacted.invalid のパスワード", "@ のパスワード"},
		{"Dear [recipient-0123456789ab], invoice", "dear *, invoice"},
		{"recipient-list update", "recipient-list update"},
		{"Dear John Smith, your parcel is waiting", "dear *, your parcel is waiting"},
		{"Hi Hanako: password expires", "hi *: password expires"},
		{"Hello, please check", "hello, please check"},
		// Words that look like names but are not.
		{"仕様書の確認", "仕様書の確認"},
		{"たくさんのご注文ありがとうございます", "たくさんのご注文ありがとうございます"},
		{"様式の変更", "様式の変更"},
		// Spaces, controls, invalid bytes.
		{"  請求書\t\r\n送付 ", "請求書 送付"},
		{"bad\xff\xfebytes", "badbytes"},
		{"", ""},
	} {
		if got := SubjectTemplate(tc.in); got != tc.want {
			t.Errorf("SubjectTemplate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Subjects that differ only in what the template removes must match,
// and different lures must not.
func TestSubjectTemplateSameLure(t *testing.T) {
	for _, group := range [][]string{
		{"【重要】3月分請求書のご確認（No.48213）", "【重要】4月分請求書のご確認（No.99120）", "RE: 【重要】12月分請求書のご確認（No.1）"},
		{"山田様 ご請求書送付の件", "鈴木 一郎 様 ご請求書送付の件", "[外部] ＳＡＴＯ様 ご請求書送付の件", "[recipient-3f9a2b1c04de]様 ご請求書送付の件"},
		{"Invoice 48213 overdue - March 2024", "INVOICE 99120 OVERDUE - April 2025", "Fwd: invoice 7 overdue - Sep 2023"},
		{"Dear John Smith, your account is locked", "Dear Hanako Yamada, your account is locked"},
	} {
		want := SubjectTemplate(group[0])
		for _, s := range group[1:] {
			if got := SubjectTemplate(s); got != want {
				t.Errorf("%q → %q, but %q → %q", group[0], want, s, got)
			}
		}
	}
	if SubjectTemplate("請求書のご確認") == SubjectTemplate("見積書のご確認") {
		t.Error("different lures share a template")
	}
}

func TestSubjectTemplateBounded(t *testing.T) {
	got := SubjectTemplate(strings.Repeat("お知らせ ", 200))
	if len(got) > maxTemplate || strings.HasSuffix(got, " ") {
		t.Errorf("%d bytes: %q", len(got), got[len(got)-10:])
	}
}
