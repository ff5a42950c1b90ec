package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ceilingMain is `bench ceiling --addr A --body FILE --content-type T`: a
// bare net/http server that, for any method and path, reads the request
// body to the end (as mamori must, to decode a JSON POST) and writes the
// bytes mamori returned for the same request, with mamori's server
// timeouts and nothing else (no routing, no middleware, no database). It
// runs as its own process, like mamori, so both are measured under the
// same conditions.
func ceilingMain(args []string) int {
	fs := flag.NewFlagSet("bench ceiling", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bodyFile := fs.String("body", "", "file with the response body")
	ctype := fs.String("content-type", "text/html; charset=utf-8", "Content-Type of the response")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		return 1
	}
	clen := strconv.Itoa(len(body))
	srv := &http.Server{
		Addr: *addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			// With its length set, as mamori's score answer has it, so
			// neither side pays for chunked framing the other skips.
			w.Header().Set("Content-Type", *ctype)
			w.Header().Set("Content-Length", clen)
			w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		return 1
	}
	return 0
}

// startCeiling re-executes this binary as the ceiling server on a free
// port and waits until it answers. name ("sqlite-dashboard") names its
// body file and log in tmp.
func startCeiling(ctx context.Context, tmp, name string, body []byte, ctype string) (*proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	bodyFile := filepath.Join(tmp, name+".body")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p, err := spawn(exe, []string{"ceiling", "--addr", addr, "--body", bodyFile, "--content-type", ctype}, filepath.Join(tmp, name+"-ceiling.log"))
	if err != nil {
		return nil, err
	}
	p.base = "http://" + addr
	if err := p.waitReady(ctx, "/", 10*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}
