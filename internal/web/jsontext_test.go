package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

// TestCheckJSONText: strings that encoding/json would turn into U+FFFD are
// refused, naming the field by its path; everything that is text passes.
func TestCheckJSONText(t *testing.T) {
	tests := []struct {
		body, field, key string // key "" = accepted
	}{
		{`{"name":"山田精機"}`, "", ""},
		{`{"name":"\ud83d\ude00 ok"}`, "", ""},          // a pair is a character
		{`{"name":"\\ud800 is text"}`, "", ""},          // an escaped backslash, then "ud800"
		{`{"name":"\ufffd typed on purpose"}`, "", ""},  // U+FFFD itself is a character
		{"{\"name\":\"\xef\xbf\xbd literal\"}", "", ""}, // and so is its UTF-8
		{`{"name":"\u00e9\u3042"}`, "", ""},
		{"{\"name\":\"\xff\xfe\"}", "name", "error.bad_encoding"},
		{"{\"name\":\"\xed\xa0\x80\"}", "name", "error.bad_encoding"}, // a surrogate encoded in UTF-8
		{"{\"name\":\"\xc3\"}", "name", "error.bad_encoding"},         // cut in the middle
		{`{"name_en":"x\ud800"}`, "name_en", "error.bad_surrogate"},
		{`{"name_en":"\udc00x"}`, "name_en", "error.bad_surrogate"},
		{`{"name_en":"\uD83D\u0041"}`, "name_en", "error.bad_surrogate"},
		{`{"a":1,"b":[true,null,{"c":"ok","d":"\ud800"}]}`, "b.2.d", "error.bad_surrogate"},
		{`{"answers":{"1":"implemented","7":"\udfff"}}`, "answers.7", "error.bad_surrogate"},
		{"{\"answers\":{\"\xff\":\"implemented\"}}", "answers.\uFFFD", "error.bad_encoding"},
		{`{"k\u0065y":{"x\ud800":1}}`, "key.x\uFFFD", "error.bad_surrogate"},
		{`["ok","\ud800"]`, "1", "error.bad_surrogate"},
		{`"\ud800"`, "", "error.bad_surrogate"}, // no field to name
		// Not JSON: left to the decoder.
		{"{\"name\":\"x\xff", "name", "error.bad_encoding"},
		{`{"name":"\u12`, "", ""},
		{"\xff", "", ""},
	}
	for _, tt := range tests {
		err := web.CheckJSONText([]byte(tt.body))
		if tt.key == "" {
			if err != nil {
				t.Errorf("%q: refused: %v", tt.body, err)
			}
			continue
		}
		e := apperr.From(err)
		if err == nil || e.Code != apperr.Invalid || e.Key != tt.key {
			t.Errorf("%q: err = %v, want %s", tt.body, err, tt.key)
			continue
		}
		if tt.field == "" {
			if len(e.Fields) != 0 {
				t.Errorf("%q: fields %v, want none", tt.body, e.Fields)
			}
		} else if len(e.Fields) != 1 || e.Fields[tt.field] != tt.key {
			t.Errorf("%q: fields %v, want %s: %s", tt.body, e.Fields, tt.field, tt.key)
		}
	}
}

// TestDecodeJSONRefusesReplacement: through DecodeJSON, the API's one
// decoder, a bad string is a 400 naming the field in the caller's
// language, and the target is never filled with U+FFFD.
func TestDecodeJSONRefusesReplacement(t *testing.T) {
	h := newHandler(t)
	for _, body := range []string{"{\"name\":\"a\xffb\"}", `{"name":"a\udfffb"}`} {
		for _, lang := range []string{"ja", "en"} {
			r := httptest.NewRequest("POST", "/api/v1/orgs", strings.NewReader(body))
			r = r.WithContext(web.WithLang(r.Context(), lang))
			var v struct{ Name string }
			err := web.DecodeJSON(r, &v)
			if err == nil || strings.ContainsRune(v.Name, utf8.RuneError) {
				t.Fatalf("%q: err %v, name %q", body, err, v.Name)
			}
			w := httptest.NewRecorder()
			h.eh.Handle(w, r, err)
			if w.Code != http.StatusBadRequest {
				t.Errorf("%q: status %d", body, w.Code)
			}
			b := decodeAPI(t, w)
			msg := b.Error.Fields["name"]
			if b.Error.Code != "invalid" || msg == "" || msg != b.Error.Message {
				t.Errorf("%q %s: %+v", body, lang, b.Error)
			}
			if want := map[string]string{"ja": "文字", "en": "not"}[lang]; !strings.Contains(msg, want) {
				t.Errorf("%q: message %q is not in %s", body, msg, lang)
			}
		}
	}
	// Whatever passes the check decodes without a replacement character
	// the client did not send.
	for _, body := range []string{`{"name":"\ud83d\ude00"}`, `{"name":"\\ud800"}`} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		var v struct {
			Name string `json:"name"`
		}
		if err := web.DecodeJSON(r, &v); err != nil || strings.ContainsRune(v.Name, utf8.RuneError) {
			t.Errorf("%q: %v, %q", body, err, v.Name)
		}
	}
}

// FuzzCheckJSONText: a body that passes the check never decodes to a
// string holding U+FFFD unless the body spelled U+FFFD itself.
func FuzzCheckJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":["\ud800"]}`, "{\"a\":\"\xff\"}", `"\\ud800"`, `{"\ud83d\ude00":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if web.CheckJSONText(b) != nil {
			return
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		out, _ := json.Marshal(v)
		if strings.ContainsRune(string(out), utf8.RuneError) && !strings.ContainsRune(string(b), utf8.RuneError) &&
			!strings.Contains(strings.ToLower(string(b)), `\ufffd`) {
			t.Fatalf("%q passed the check but decoded to %s", b, out)
		}
	})
}

// BenchmarkCheckJSONText: the check on a typical body (an organisation
// with Japanese names, ~300 bytes) and on a 25-answer self-check sheet.
func BenchmarkCheckJSONText(b *testing.B) {
	org := []byte(`{"name":"山田精機株式会社","name_kana":"ヤマダセイキ","name_en":"Yamada Seiki","corporate_number":"7000012050002","prefecture":"13","industry":"E","employees":42,"capital_yen":30000000}`)
	m := map[string]string{}
	for i := 1; i <= 25; i++ {
		m[strings.Repeat("1", 1+i%2)+string(rune('0'+i%10))] = "not_implemented"
	}
	sheet, _ := json.Marshal(map[string]any{"answers": m})
	for name, body := range map[string][]byte{"org": org, "answers": sheet} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if web.CheckJSONText(body) != nil {
					b.Fatal("refused")
				}
			}
		})
	}
}
