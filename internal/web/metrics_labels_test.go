package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"mamori/internal/metrics"
	"mamori/internal/web"
)

// TestRequestLabelsClosed drives the whole stack with made-up methods,
// paths and statuses: the request counter's labels stay in their closed
// sets and one series per (known method, route, code) is all that exists.
func TestRequestLabelsClosed(t *testing.T) {
	h := newHandler(t)
	rt := web.NewRouter(h.eh)
	rt.Handle("GET /a/{id}", web.Public, func(w http.ResponseWriter, r *http.Request) error { return nil })
	rt.Handle("POST /odd", web.Public, func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(299); return nil })
	reg := metrics.NewRegistry()
	st := &web.Stack{Log: h.eh.Log, Errors: h.eh, Auth: noAuth{}, Metrics: reg, MaxBodyBytes: 1 << 20}
	srv := st.Wrap(rt)
	do := func(method, target string) {
		r := httptest.NewRequest("GET", target, nil)
		r.Method = method
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
	for i := range 500 {
		n := strings.Repeat("Z", i+1)
		do("M"+n, "/a/"+n)       // unknown method on a route
		do("GET", "/a/"+n)       // one route, many paths
		do("GET", "/nothing/"+n) // unmatched
		do("POST", "/odd")       // a status with no name
		do("get", "/a/x")        // methods are case-sensitive: "other"
		do(strings.Repeat("X", 40000), "/")
	}
	if n := reg.Series(); n > 8 {
		var b strings.Builder
		reg.WriteTo(&b)
		t.Fatalf("%d series:\n%.3000s", n, b.String())
	}
	var b strings.Builder
	reg.WriteTo(&b)
	for _, want := range []string{
		`mamori_http_requests_total{method="GET",route="GET /a/{id}",code="200"} 500`,
		`mamori_http_requests_total{method="GET",route="unmatched",code="404"} 500`,
		`mamori_http_requests_total{method="POST",route="POST /odd",code="2xx"} 500`,
		`mamori_http_requests_total{method="other",route="unmatched",code="405"} 1000`,
		`mamori_http_requests_total{method="other",route="unmatched",code="404"} 500`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %s in\n%s", want, b.String())
		}
	}
}

func TestLabelFunctions(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "TRACE": "TRACE", "get": "other", "PROPFIND": "other", "": "other"} {
		if got := web.MethodLabel(in); got != want {
			t.Errorf("MethodLabel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{0: "200", 200: "200", 404: "404", 299: "2xx", 599: "5xx", 600: "other", 99: "other", -1: "other"} {
		if got := web.CodeLabel(in); got != want {
			t.Errorf("CodeLabel(%d) = %q, want %q", in, got, want)
		}
	}
}

type noAuth struct{}

func (noAuth) Authenticate(http.ResponseWriter, *http.Request) (*web.Viewer, error) {
	return nil, web.ErrAnonymous
}

// TestRoleOrToken: the token admits by itself, compared exactly; a wrong
// bearer token gets a 401 challenge (a scraper is not sent to a login
// form), no token the login redirect, and an empty configured token
// admits nobody.
func TestRoleOrToken(t *testing.T) {
	h := newHandler(t)
	const tok = "0123456789abcdef0123456789abcdef"
	for _, configured := range []string{tok, ""} {
		rt := web.NewRouter(h.eh)
		rt.Handle("GET /m", web.RoleOrToken(configured, web.RoleOperatorAdmin), func(w http.ResponseWriter, r *http.Request) error { return nil })
		for _, tt := range []struct {
			auth   string
			viewer *web.Viewer
			status int
		}{
			{"Bearer " + tok, nil, 200},
			{"bearer   " + tok, nil, 200},
			{"Bearer " + tok + "0", nil, 401},
			{"Bearer " + tok[:31], nil, 401},
			{"Bearer ", nil, 303},
			{"Basic " + tok, nil, 303}, // a proxy's basic auth in front of a browser
			{"", nil, 303},
			{"", &web.Viewer{UserID: "u"}, 403},
			{"Bearer wrong", &web.Viewer{UserID: "u"}, 403},
			{"", &web.Viewer{UserID: "a", Roles: []string{web.RoleOperatorAdmin}}, 200},
		} {
			r := httptest.NewRequest("GET", "/m", nil)
			ctx := web.WithLang(context.Background(), "en")
			if tt.viewer != nil {
				ctx = web.WithViewer(ctx, tt.viewer)
			}
			r = r.WithContext(ctx)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			rt.ServeHTTP(w, r)
			want := tt.status
			if configured == "" && want == 200 && tt.viewer == nil {
				want = 401
			}
			if w.Code != want {
				t.Errorf("token %q, Authorization %q, viewer %v: %d, want %d", configured, tt.auth, tt.viewer, w.Code, want)
			}
			if w.Code == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("401 without a challenge")
			}
		}
	}
}
