package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/registry"
)

func forbidden() error { return apperr.New(apperr.Forbidden, "error.forbidden") }

// NewLogger builds the process logger from configuration.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open opens and migrates the configured store.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.DataDir, db.Options{})
	if err != nil {
		return nil, err
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "names", applied)
	}
	return d, nil
}

// Serve runs the HTTP server and workers until ctx ends (SIGTERM/SIGINT),
// then stops accepting, lets in-flight requests finish within the
// shutdown timeout, and stops the workers.
func Serve(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(addr string)) error {
	start := time.Now()
	if os.Getenv("GOGC") == "" {
		// mamori's live heap is a few megabytes, so the default GOGC=100
		// collects after every few hundred page views; 200 halves that
		// work for a few more megabytes of memory.
		debug.SetGCPercent(200)
	}
	d, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := Build(cfg, d, log)
	if err != nil {
		return err
	}
	if link, until, err := a.Auth.EnsureSetupToken(ctx, a.Box); err != nil {
		return err
	} else if link != "" {
		log.Warn("no operator administrator yet: open this one-time link to create one", "setup_url", link, "valid_until", until.Format(time.RFC3339))
	} else if !until.IsZero() {
		log.Warn("no operator administrator yet: the one-time setup link is in the log of the instance that made it (or use mamori admin create-user --role operator_admin)", "valid_until", until.Format(time.RFC3339))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := newServer(a.Handler(), log)
	if cfg.DebugAddr != "" {
		dln, err := net.Listen("tcp", cfg.DebugAddr)
		if err != nil {
			return fmt.Errorf("listen on debug address %s: %w", cfg.DebugAddr, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		dsrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go dsrv.Serve(dln)
		defer dsrv.Close()
		log.Info("profiler listening", "addr", dln.Addr().String())
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on metrics address %s: %w", cfg.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: a.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 8 << 10}
		go msrv.Serve(mln)
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.Jobs.Run(workCtx) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.housekeeping(workCtx) }()
	wg.Add(1)
	// A key rotation made through another instance or the command reaches
	// this one within a minute.
	go func() { defer wg.Done(); a.Keys.Watch(workCtx, time.Minute, log) }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The declaration flows keep the registry index in step; this only
		// catches rows left behind by an upgrade. It scans every
		// declaration, so it runs beside serving, not before it, and only
		// in the server (not in admin commands or tests).
		t0 := time.Now()
		n, err := registry.EnsureIndex(workCtx, d)
		switch {
		case err != nil && workCtx.Err() == nil:
			log.Error("registry index check", "err", err)
		case err == nil:
			log.Info("registry index checked", "rows_written", n, "ms", time.Since(t0).Milliseconds())
		}
	}()

	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("mamori listening", "addr", ln.Addr().String(), "url", cfg.BaseURL, "db", string(d.Dialect()), "version", Version, "startup_ms", time.Since(start).Milliseconds())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		stopWork()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopWork()
	wg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// housekeeping runs every capability's cleanup of expired rows every ten
// minutes; a failure is logged and the next round tries again.
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		a.cleanup(ctx, db.Now(), a.Log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// cleanup runs each capability's deletion of what has expired by now,
// logging failures to log.
func (a *App) cleanup(ctx context.Context, now time.Time, log *slog.Logger) {
	for _, cp := range Capabilities() {
		for _, c := range cp.Cleanup {
			if err := c.Run(ctx, a.DB, now); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "housekeeping failed", "what", c.Name, "err", err)
			}
		}
	}
}

// SignalContext ends on SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Timeouts of the main listener. readHeaderTimeout bounds how long a client
// may take to send a request's headers, readTimeout the whole request (an
// upload route lengthens it for its own body, see web.Router.HandleUpload).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 120 * time.Second
	idleTimeout       = 120 * time.Second
	// minUploadRate is the slowest upload an upload route waits for
	// (64 KiB/s, a poor mobile link): a 20 MB ledger gets 60 s + 320 s.
	minUploadRate = 64 << 10
)

// newServer is the main listener's server. HTTP/2 (with --tls-cert) reads
// ReadTimeout and WriteTimeout per stream, but has no ReadHeaderTimeout: a
// client that sends half a header block held its connection until the idle
// timeout and the GOAWAY after it (121 s). A client in the middle of a
// header block cannot answer a PING (any frame but CONTINUATION is a
// protocol error), so pinging a connection silent for readHeaderTimeout and
// closing it when no answer comes within readHeaderTimeout bounds that to
// about 20 s, as HTTP/1.1's ReadHeaderTimeout does; a live idle connection
// answers and stays until IdleTimeout. WriteByteTimeout closes a connection
// that takes no data for as long as HTTP/1.1's WriteTimeout.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: 100,
			SendPingTimeout:      readHeaderTimeout,
			PingTimeout:          readHeaderTimeout,
			WriteByteTimeout:     writeTimeout,
		},
	}
}
