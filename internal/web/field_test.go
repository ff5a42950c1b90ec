package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"mamori/internal/web"
)

// TestFieldPartial: the shared field partial writes the label with its
// hint, the control with what was typed, and the field's message tied to
// the control; a password is never echoed and a bad option fails the
// render.
func TestFieldPartial(t *testing.T) {
	cat, rd := testRenderer(t)
	pages := fstest.MapFS{
		"t/form.html": {Data: []byte(`{{define "content"}}` +
			`{{template "field" (field . "name" "field.name" "max" 100 "required" true "autocomplete" "name")}}` +
			`{{template "field" (field . "note" "field.email" "type" "textarea" "rows" 3 "optional" true "hint" "field.name")}}` +
			`{{template "field" (field . "password" "field.password" "type" "password" "minlength" 10)}}` +
			`{{end}}`)},
		"t/bad.html": {Data: []byte(`{{define "content"}}{{template "field" (field . "name" "field.name" "maxlen" 100)}}{{end}}`)},
	}
	if err := rd.AddPages("t", pages, "t"); err != nil {
		t.Fatal(err)
	}
	form := web.NewForm(url.Values{"name": {`<b>`}, "note": {"\nline"}, "password": {"secret-typed"}})
	form.Errors = map[string]string{"name": "error.invalid_input"}
	r := httptest.NewRequest("GET", "/", nil).WithContext(web.WithLang(t.Context(), "en"))
	w := httptest.NewRecorder()
	rd.Page(w, r, 200, "t/form", web.Page{Form: form})
	body := w.Body.String()
	p := cat.Printer("en")
	for _, want := range []string{
		`<label for="name">` + p.T("field.name") + `</label>`,
		`<input type="text" id="name" name="name" value="&lt;b&gt;" maxlength="100" required autocomplete="name" aria-invalid="true" aria-describedby="name-error">`,
		`<p class="field-error" id="name-error">` + p.T("error.invalid_input") + `</p>`,
		`<label for="note">` + p.T("field.email") + ` <span class="hint">` + p.T("field.optional") + " " + p.T("field.name") + `</span></label>`,
		"<textarea id=\"note\" name=\"note\" rows=\"3\">\n\nline</textarea>",
		`<input type="password" id="password" name="password" minlength="10">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s\n%s", want, body)
		}
	}
	if strings.Contains(body, "secret-typed") || strings.Count(body, "aria-invalid") != 1 {
		t.Errorf("password echoed or aria-invalid on a field without a message:\n%s", body)
	}
	w = httptest.NewRecorder()
	rd.Page(w, r, 200, "t/bad", web.Page{})
	if w.Code != 500 {
		t.Errorf("unknown option rendered: %d", w.Code)
	}
}
