package web

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"mamori/internal/apperr"
)

// ErrBodyTimeout is what reading a request body returns when the client
// sent it too slowly for the read deadline. The error handler answers it
// 408 with a translated message, whatever the handler wrapped it in.
var ErrBodyTimeout = errors.New("request body: read deadline exceeded")

// TimeoutError is the 408 answer for a body read that hit the deadline.
func TimeoutError(cause error) *apperr.Error {
	return apperr.Wrap(cause, apperr.Timeout, "error.request_timeout")
}

// Timeouts are the server's read and write timeouts, which an upload route
// extends for its own body: a 20 MB file at UploadRate bytes a second gets
// Read plus 20 MB / UploadRate, so a slow but steady connection finishes
// while a stalled one is still cut.
type Timeouts struct {
	Read       time.Duration // the server's ReadTimeout
	Write      time.Duration // the server's WriteTimeout
	UploadRate int64         // bytes a second the slowest accepted upload must reach
}

// upload is the read deadline of a route accepting limit bytes, or 0 when
// the server's own ReadTimeout stands.
func (t Timeouts) upload(limit int64) time.Duration {
	if t.Read <= 0 || t.UploadRate <= 0 {
		return 0
	}
	return t.Read + time.Duration(limit/t.UploadRate)*time.Second
}

// extendForUpload moves the connection's read deadline to fit an upload of
// limit bytes, and its write deadline to after it, so the answer can still
// be written. A writer that cannot set deadlines (a test recorder) keeps
// what it has.
func (t Timeouts) extendForUpload(w http.ResponseWriter, limit int64) {
	d := t.upload(limit)
	if d <= 0 {
		return
	}
	rc := http.NewResponseController(w)
	now := time.Now()
	if err := rc.SetReadDeadline(now.Add(d)); err != nil {
		return
	}
	if t.Write > 0 {
		_ = rc.SetWriteDeadline(now.Add(d + t.Write))
	}
}

// timeoutBody turns the read deadline's error into ErrBodyTimeout, so the
// handlers' usual "bad form" wrapping cannot hide it.
type timeoutBody struct{ io.ReadCloser }

func (b timeoutBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = errors.Join(ErrBodyTimeout, err)
	}
	return n, err
}
