package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

// TestSlowUploadIs408: an upload whose body stops coming is cut at the
// upload route's read deadline (here made short through Stack.Timeouts)
// and answered 408 with the translated message, whether the handler
// wrapped the failed read as a bad form or returned it as it came (which
// was a 500).
func TestSlowUploadIs408(t *testing.T) {
	h := newHandler(t)
	rt := web.NewRouter(h.eh)
	rt.HandleUpload("POST /up/wrapped", web.Public, 1<<20, func(w http.ResponseWriter, r *http.Request) error {
		if _, err := io.ReadAll(r.Body); err != nil {
			return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		return nil
	})
	rt.HandleUpload("POST /api/up/raw", web.Public, 1<<20, func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	})
	rt.HandleUpload("POST /up/form", web.Public, 1<<20, func(w http.ResponseWriter, r *http.Request) error {
		_, err := web.ParseForm(r)
		return err
	})
	st := &web.Stack{Log: h.eh.Log, Errors: h.eh, Auth: noAuth{}, MaxBodyBytes: 1024, BodyLimit: rt.BodyLimit,
		Timeouts: web.Timeouts{Read: 50 * time.Millisecond, Write: time.Minute, UploadRate: 1 << 40}}
	ts := httptest.NewServer(st.Wrap(rt))
	defer ts.Close()
	for _, path := range []string{"/up/wrapped", "/api/up/raw", "/up/form"} {
		c, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// A safety net so the old code fails instead of hanging; no
		// duration is asserted.
		c.SetDeadline(time.Now().Add(30 * time.Second))
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\na=%s", path, strings.Repeat("b", 2000))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		c.Close()
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "送信に時間がかかりすぎたため中断しました") {
			t.Errorf("%s: %d\n%.600s", path, resp.StatusCode, body)
		}
	}
}
