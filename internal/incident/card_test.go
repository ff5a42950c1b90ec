package incident

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/org"
	"mamori/internal/web"
)

func TestCleanPhone(t *testing.T) {
	for in, want := range map[string]string{
		"03-1234-5678":    "03-1234-5678",
		" 090 1234 5678 ": "090 1234 5678",
		"０３－１２３４－５６７８":    "03-1234-5678",
		"03ー1234ー5678":    "03-1234-5678",
		"(03) 1234-5678":  "(03) 1234-5678",
		"+81-3-1234-5678": "+81-3-1234-5678",
		"#9110":           "#9110",
		"＃９１１０":           "#9110",
		"110":             "110",
		"":                "",
		"0120-000-000":    "0120-000-000",
	} {
		got, problem := CleanPhone(in)
		if problem != "" || got != want {
			t.Errorf("CleanPhone(%q) = %q, %q; want %q", in, got, problem, want)
		}
	}
	for _, in := range []string{"03-1234-5678 内線12", "ext 12", "0312345678a", "12", "1-2", "03+1234", "9110#",
		strings.Repeat("1", 16), strings.Repeat("1-", 16), "03\t1234", "03\x001234", "\xff"} {
		if _, problem := CleanPhone(in); problem != "incident.phone_invalid" {
			t.Errorf("CleanPhone(%q) accepted", in)
		}
	}
}

func TestCleanEmail(t *testing.T) {
	for _, ok := range []string{"", "taro@example.jp", "a.b+c@sub.example.co.jp"} {
		if _, p := cleanEmail(ok); p != "" {
			t.Errorf("cleanEmail(%q): %s", ok, p)
		}
	}
	for _, bad := range []string{"taro", "taro@", "@example.jp", "taro@localhost", "山田 <taro@example.jp>", "a b@example.jp",
		"taro@exa\nmple.jp", strings.Repeat("a", 250) + "@example.jp"} {
		if _, p := cleanEmail(bad); p != "incident.email_invalid" {
			t.Errorf("cleanEmail(%q) accepted", bad)
		}
	}
}

func TestCleanSteps(t *testing.T) {
	got, p := cleanSteps("1. 電源は切らない\r\n\r\n  2) ケーブルを抜く \n・責任者へ連絡\n- メモする\n3.5GHz の Wi-Fi を切る\n１０．最後")
	want := []string{"電源は切らない", "ケーブルを抜く", "責任者へ連絡", "メモする", "3.5GHz の Wi-Fi を切る", "１０．最後"}
	if p != "" || !reflect.DeepEqual(got, want) {
		t.Errorf("cleanSteps = %q, %q", got, p)
	}
	if got, p := cleanSteps(" \n \n"); p != "" || len(got) != 0 {
		t.Errorf("blank steps = %q, %q", got, p)
	}
	for in, key := range map[string]string{
		strings.Repeat("手順\n", maxSteps+1):  "incident.too_many_steps",
		strings.Repeat("長", maxStepChars+1): "incident.step_too_long",
		strings.Repeat("x", maxStepsText+1): "incident.text_too_long",
		"ベル\a":                              "incident.text_invalid",
		"\xff":                              "incident.text_invalid",
	} {
		if _, p := cleanSteps(in); p != key {
			t.Errorf("cleanSteps(%.20q…) problem %q, want %q", in, p, key)
		}
	}
}

// The done rule: a named internal contact with a phone, the IT vendor or
// IPA's desk reachable, and steps for every situation.
func TestMissing(t *testing.T) {
	c := doneCard()
	if m := c.Missing(); len(m) != 0 {
		t.Fatalf("done card misses %v", m)
	}
	cases := []struct {
		name   string
		change func(*Card)
		want   []string
	}{
		{"no phone", func(c *Card) { c.Internal[0].Phone = "" }, []string{ReqInternalPhone}},
		{"phone without name", func(c *Card) { c.Internal[0].Name = "" }, []string{ReqInternalPhone}},
		{"phone on another row", func(c *Card) {
			c.Internal[0].Phone = ""
			c.Internal[4] = Person{Name: "佐藤", Phone: "090-0000-0000"}
		}, nil},
		{"IPA alone", func(c *Card) { c.Outside[2] = Contact{} }, nil},
		{"vendor alone", func(c *Card) { c.Outside[0] = Contact{} }, nil},
		{"neither", func(c *Card) { c.Outside[0], c.Outside[2] = Contact{}, Contact{} }, []string{ReqOutsideContact}},
		{"names only", func(c *Card) {
			c.Outside[0], c.Outside[2] = Contact{Name: "IPA"}, Contact{Name: "業者", Note: "電話は名刺"}
		}, []string{ReqOutsideContact}},
		{"police does not count", func(c *Card) {
			c.Outside[0], c.Outside[2] = Contact{}, Contact{}
			c.Outside[1] = Contact{Name: "警察", Phone: "#9110"}
		}, []string{ReqOutsideContact}},
		{"two situations empty", func(c *Card) { c.Steps[1], c.Steps[4] = nil, nil }, []string{ReqSteps + "malware", ReqSteps + "account_takeover"}},
		{"empty card", func(c *Card) { *c = Card{} }, []string{ReqInternalPhone, ReqOutsideContact, "steps:lost_device", "steps:malware",
			"steps:mis_sent_email", "steps:ransomware", "steps:account_takeover"}},
	}
	for _, tc := range cases {
		c := doneCard()
		tc.change(&c)
		if got := c.Missing(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: missing %v, want %v", tc.name, got, tc.want)
		}
	}
	// Our defaults alone lack only the internal contact.
	def := DefaultCard("en", nil)
	if got := def.Missing(); !reflect.DeepEqual(got, []string{ReqInternalPhone}) {
		t.Errorf("defaults miss %v", got)
	}
}

func TestDefaults(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		c := DefaultCard(lang, &org.Org{Prefecture: "27"})
		if c.Outside[0].Name == "" || c.Outside[0].URL != IPADeskURL || c.Outside[0].Phone != "" {
			t.Errorf("%s: IPA desk %+v", lang, c.Outside[0])
		}
		if c.Internal[0].Role == "" || c.Internal[0].Name != "" {
			t.Errorf("%s: first row %+v", lang, c.Internal[0])
		}
		for i, sit := range Situations {
			if n := len(c.Steps[i]); n < 3 || n > 6 {
				t.Errorf("%s/%s: %d steps", lang, sit, n)
			}
		}
	}
	for pref, want := range map[string]string{"27": "大阪府警察 サイバー犯罪相談窓口", "13": "警視庁 サイバー犯罪相談窓口", "01": "北海道警察 サイバー犯罪相談窓口", "": ""} {
		if got := DefaultCard("ja", &org.Org{Prefecture: pref}).Outside[1].Name; got != want {
			t.Errorf("police for %q: %q, want %q", pref, got, want)
		}
	}
	if got := DefaultCard("en", &org.Org{Prefecture: "27"}).Outside[1].Name; got != "Osaka Prefectural Police, cyber-crime desk" {
		t.Errorf("en police %q", got)
	}
	if got := DefaultCard("fr", nil).Steps[0][0]; got != DefaultSteps("ja", "lost_device")[0] {
		t.Errorf("unknown language falls back to %q", got)
	}
	// Broken content is refused at start.
	for _, bad := range []string{`{}`, `{"version":"x","text":{"ja":{}}}`, strings.Replace(string(defaultsJSON), `"malware"`, `"malwar"`, 1)} {
		if _, err := parseDefaults([]byte(bad)); err == nil {
			t.Errorf("parseDefaults accepted %.40q", bad)
		}
	}
}

// A card survives the form and the stored document unchanged.
func TestCardRoundTrip(t *testing.T) {
	c := doneCard()
	c.Internal[3] = Person{Role: "経理", Email: "keiri@example.jp"}
	c.Outside[4] = Contact{Name: "中村法律事務所", Phone: "03-0000-0002"}
	c.Notes = "取引先 A 社\n<b>markup</b> stays text"
	f := web.NewForm(formOf(&c))
	back, err := cardFromForm(f)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("form round trip: %v\n%+v\n%+v", err, back, c)
	}
	doc, err := c.marshal()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := unmarshalCard(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Empty rows without a role are not stored; the rest is.
	if !reflect.DeepEqual(stored, c) {
		t.Errorf("document round trip:\n%+v\n%+v", stored, c)
	}
	if _, err := unmarshalCard(`{"v":2}`); err == nil {
		t.Error("a document of another version was read")
	}
}

func TestCardFromFormProblems(t *testing.T) {
	v := formOf(&Card{})
	v.Set("internal_1_name", "山田\n太郎")
	v.Set("internal_1_phone", "03-1234-5678 内線12")
	v.Set("internal_2_email", "taro@")
	v.Set("internal_3_role", strings.Repeat("役", maxName+1))
	v.Set("vendor_url", "javascript:alert(1)")
	v.Set("vendor_note", strings.Repeat("備", maxNote+1))
	v.Set("ipa_phone", "abc")
	v.Set("steps_malware", strings.Repeat("長", maxStepChars+1))
	v.Set("notes", "bell\a")
	_, err := cardFromForm(web.NewForm(v))
	if apperr.From(err).Code != apperr.Invalid {
		t.Fatalf("err %v", err)
	}
	want := map[string]string{"internal_1_name": "incident.line_invalid", "internal_1_phone": "incident.phone_invalid",
		"internal_2_email": "incident.email_invalid", "internal_3_role": "incident.line_invalid", "vendor_url": "incident.url_invalid",
		"vendor_note": "incident.line_invalid", "ipa_phone": "incident.phone_invalid", "steps_malware": "incident.step_too_long",
		"notes": "incident.text_invalid"}
	if got := apperr.From(err).Fields; !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v\nwant %v", got, want)
	}
	// Missing fields are simply empty: a form from an older page works.
	if c, err := cardFromForm(web.NewForm(url.Values{})); err != nil || len(c.Missing()) == 0 {
		t.Errorf("empty form: %v", err)
	}
}

func TestParseLocal(t *testing.T) {
	for in, want := range map[string]string{
		"2025-04-01T10:30":    "2025-04-01T01:30:00Z",
		"2025-04-01T10:30:15": "2025-04-01T01:30:15Z",
		"2025-04-01 10:30":    "2025-04-01T01:30:00Z",
	} {
		got, ok := parseLocal(in)
		if !ok || got.Format("2006-01-02T15:04:05Z07:00") != want {
			t.Errorf("parseLocal(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "2025-04-01", "2025/04/01 10:30", "2025-13-01T10:30", "2025-02-30T10:30", "yesterday", strings.Repeat("2", 40)} {
		if _, ok := parseLocal(bad); ok {
			t.Errorf("parseLocal(%q) accepted", bad)
		}
	}
}
