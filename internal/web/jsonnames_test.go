package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

type namesInner struct {
	Role string `json:"role"`
}

type namesEmbedded struct {
	Note string `json:"note"`
}

// namesShadowed's embedded struct has a member "opts" of another type;
// encoding/json decodes "opts" into the outer field, the shallower one.
type namesShadowed struct {
	namesShadow
	Opts namesInner `json:"opts"`
}

type namesShadow struct {
	Opts map[string]string `json:"opts"`
}

type namesReq struct {
	namesEmbedded
	Name    string                `json:"name"`
	KeyID   string                `json:"key_id"`
	Members []namesInner          `json:"members"`
	ByID    map[string]namesInner `json:"by_id"`
	Extra   json.RawMessage       `json:"extra"`
	Ptr     *namesInner           `json:"ptr"`
	Plain   int
}

// TestDecodeJSONExactNames: an API body's member names are exactly the
// documented ones, each once. encoding/json alone took "Name", "NAME" and
// "\u212aey_id" (a Kelvin sign) for name and key_id and kept the last of
// duplicates, so what a proxy, log or audit tool read was not what mamori
// acted on (issue 23, point 1, the same class in API bodies).
func TestDecodeJSONExactNames(t *testing.T) {
	for _, body := range []string{
		`{"Name":"a"}`,
		`{"NAME":"a"}`,
		`{"name":"a","Name":"b"}`,
		`{"\u212aey_id":"k"}`,
		`{"\\u212aey_id":"k"}`,
		`{"name":"a","name":"b"}`,
		`{"name":"a","\\u006eame":"b"}`,
		`{"members":[{"role":"a","Role":"b"}]}`,
		`{"members":[{"ROLE":"a"}]}`,
		`{"by_id":{"x":{"Role":"a"}}}`,
		`{"by_id":{"x":{},"x":{}}}`,
		`{"ptr":{"Role":"a"}}`,
		`{"extra":{"a":1,"a":2}}`,
		`{"Note":"a"}`,
		`{"plain":1}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		var v namesReq
		if err := web.DecodeJSON(r, &v); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: err = %v, decoded %+v", body, err, v)
		}
	}
	for _, body := range []string{
		`{"name":"a","key_id":"k","note":"n","Plain":1,"members":[{"role":"a"},{"role":"b"}],"by_id":{"X":{"role":"a"},"x":{"role":"b"}},"extra":{"Any":{"any":[1]}},"ptr":{"role":"r"}}`,
		`{"ptr":null,"members":null}`,
		`{}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		var v namesReq
		if err := web.DecodeJSON(r, &v); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
	// A field that an embedded struct's field of the same name would
	// shadow, were the embedded one read first, is checked as the field
	// encoding/json decodes into: the outer one, so "ROLE" is not let
	// through as a map key and then folded onto role.
	for _, body := range []string{`{"opts":{"ROLE":"a"}}`, `{"opts":{"role":"a","Role":"b"}}`} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader(body))
		var v namesShadowed
		if err := web.DecodeJSON(r, &v); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("shadowed: %s: err = %v, decoded %+v", body, err, v)
		}
	}
	// A deep body is refused by depth without quadratic work, as before.
	deep := strings.Repeat(`{"extra":`, 20_000) + `1` + strings.Repeat(`}`, 20_000)
	var v namesReq
	if err := web.DecodeJSONBytes([]byte(deep), &v); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("deep: %v", err)
	}
}
