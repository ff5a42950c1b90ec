package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mamori/internal/db"
)

// proc is a child process serving HTTP on 127.0.0.1 (mamori or the ceiling).
type proc struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	logPath string
	done    chan struct{}
	waitErr error
}

// spawn starts a child in its own process group (so a terminal Ctrl-C
// reaches only the harness, which then stops children in order) that is
// killed if the harness dies. Output goes to logPath.
func spawn(name string, args []string, logPath string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if cpus := os.Getenv("MAMORI_BENCH_SERVER_CPUS"); cpus != "" {
		// taskset execs the server in place, so the pid (and kill -9)
		// still reach the server itself.
		args = append([]string{"-c", cpus, name}, args...)
		name = "taskset"
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = childEnv()
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop asks for a graceful shutdown, then kills after 10 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitReady polls base+path every 5 ms until it answers 200.
func (p *proc) waitReady(ctx context.Context, path string, timeout time.Duration) error {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", p.base+path, nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s; log tail:\n%s", p.base+path, timeout, tail(p.logPath))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before it was ready; log tail:\n%s", p.cmd.Path, p.waitErr, tail(p.logPath))
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// startServer runs `mamori serve` on a free port and returns it once
// /readyz answers 200, with the wall time from exec to that answer.
func startServer(ctx context.Context, bin string, st store, logPath string) (*proc, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := append([]string{"serve", "--addr", addr}, st.flags()...)
	t0 := time.Now()
	p, err := spawn(bin, args, logPath)
	if err != nil {
		return nil, 0, err
	}
	p.base = "http://" + addr
	if err := p.waitReady(ctx, "/readyz", 30*time.Second); err != nil {
		p.stop()
		return nil, 0, err
	}
	return p, time.Since(t0), nil
}

// admin runs `mamori admin CMD …` on the store and returns its last line.
func admin(ctx context.Context, bin string, st store, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(append([]string{"admin"}, args...), st.flags()...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	cmd.Env = childEnv()
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("mamori admin %s: %v\n%s%s", args[0], err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// login posts the seed credentials and returns the session cookie's value.
func login(ctx context.Context, base string) (string, error) {
	sc := loginScenario(base)
	req, err := http.NewRequestWithContext(ctx, sc.method, sc.url, strings.NewReader(sc.body))
	if err != nil {
		return "", err
	}
	req.Header = sc.header.Clone()
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{Proxy: nil}}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != sc.expect {
		return "", fmt.Errorf("POST /login: status %d, want %d: %s", resp.StatusCode, sc.expect, b)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "mamori_session" && ck.Value != "" {
			return ck.Value, nil
		}
	}
	return "", errors.New("POST /login: no mamori_session cookie in the response")
}

// fetchDashboard returns the dashboard's body and Content-Type, which the
// ceiling server will replay.
func fetchDashboard(ctx context.Context, base, cookie string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/dashboard", nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Cookie", "mamori_session="+cookie)
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{Proxy: nil, DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET /dashboard: status %d (Location %q), want 200", resp.StatusCode, resp.Header.Get("Location"))
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// storedHash reads an account's password hash straight from the store.
func storedHash(ctx context.Context, st store, email string) (string, error) {
	d, err := db.Open(ctx, st.databaseURL, st.dataDir, db.Options{ReadConns: 1})
	if err != nil {
		return "", err
	}
	defer d.Close()
	var h string
	err = d.Read().QueryRowContext(ctx, `SELECT password_hash FROM users WHERE email = ?`, email).Scan(&h)
	return h, err
}

// childEnv is the harness's environment without MAMORI_* variables, so
// only the flags the harness passes configure the server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAMORI_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// procMB reads a Vm* field of /proc/PID/status in decimal megabytes.
func procMB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024 / 1e6
		}
	}
	return 0
}

// procCPU is the CPU time (user+system) a process has used so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}

// selfCPU is the harness's own CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// withPath returns u with its path replaced, e.g. another database name.
func withPath(u, path string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	pu.Path = "/" + path
	pu.RawPath = ""
	return pu.String(), nil
}
