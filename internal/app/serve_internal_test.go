package app

import (
	"log/slog"
	"net/http"
	"testing"
)

// TestServerHTTP2Timeouts: the main server bounds HTTP/2 as HTTP/1.1 is
// bounded. Without an HTTP2 config a half-sent header block held its
// connection for the idle timeout plus the GOAWAY (121 s).
func TestServerHTTP2Timeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler(), slog.Default())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("HTTP/1.1 timeouts missing: %+v", srv)
	}
	h2 := srv.HTTP2
	if h2 == nil {
		t.Fatal("no HTTP/2 configuration")
	}
	if h2.SendPingTimeout <= 0 || h2.SendPingTimeout > srv.ReadHeaderTimeout ||
		h2.PingTimeout <= 0 || h2.PingTimeout > srv.ReadHeaderTimeout {
		t.Errorf("an HTTP/2 connection stuck in a header block is held past %v: ping after %v, wait %v",
			2*srv.ReadHeaderTimeout, h2.SendPingTimeout, h2.PingTimeout)
	}
	if h2.WriteByteTimeout <= 0 || h2.WriteByteTimeout > srv.WriteTimeout {
		t.Errorf("HTTP/2 write-byte timeout %v, want at most WriteTimeout %v", h2.WriteByteTimeout, srv.WriteTimeout)
	}
	if h2.MaxConcurrentStreams <= 0 || h2.MaxConcurrentStreams > 250 {
		t.Errorf("HTTP/2 streams per connection %d", h2.MaxConcurrentStreams)
	}
}
