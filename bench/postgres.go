package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	// The "pgx" database/sql driver is registered by mamori/internal/db,
	// imported in server.go.
)

// pgCluster is a throwaway PostgreSQL cluster in a temp directory,
// listening on 127.0.0.1 only, with default (durable) settings: fsync
// stays on, because the numbers must mean something in production.
type pgCluster struct {
	dir     string // holds data/ and postgres.log
	bin     string
	asPG    bool // running as root: every pg command goes through su postgres
	started bool
	url     string // superuser URL to the "postgres" database
}

// startPG runs initdb and pg_ctl start from binDir on a free port.
func startPG(ctx context.Context, binDir string) (*pgCluster, error) {
	for _, prog := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(binDir, prog)); err != nil {
			return nil, fmt.Errorf("no %s in %s (pass --pg-bin, or --database-url to use a running server): %w", prog, binDir, err)
		}
	}
	dir, err := os.MkdirTemp("", "mamori-bench-pg-")
	if err != nil {
		return nil, err
	}
	c := &pgCluster{dir: dir, bin: binDir, asPG: os.Geteuid() == 0}
	fail := func(err error) (*pgCluster, error) {
		c.stop()
		return nil, err
	}
	if c.asPG {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root needs a postgres user to run the cluster: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	if err := c.run(ctx, "initdb", "-D", data, "-U", "mamori", "--auth=trust", "-E", "UTF8", "--no-locale"); err != nil {
		return fail(err)
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	// Appending keeps the file's owner. No Unix socket: TCP on loopback only.
	conf := fmt.Sprintf("\n# mamori bench\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = ''\n", port)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fail(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	c.started = true // from here on, stop() tries pg_ctl stop
	if err := c.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "postgres.log"), "-w", "-t", "60", "start"); err != nil {
		return fail(err)
	}
	c.url = fmt.Sprintf("postgres://mamori@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c, nil
}

// run executes one of the cluster's programs, as postgres when we are root.
func (c *pgCluster) run(ctx context.Context, prog string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	path := filepath.Join(c.bin, prog)
	var cmd *exec.Cmd
	if c.asPG {
		cmd = exec.CommandContext(ctx, "su", "postgres", "-s", "/bin/sh", "-c", shellJoin(append([]string{path}, args...)))
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = c.dir // postgres may not be allowed into our working directory
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", prog, err, out)
	}
	return nil
}

// stop shuts the cluster down and removes its directory. It runs at exit,
// also after Ctrl-C, so it does not use the (cancelled) run context.
func (c *pgCluster) stop() {
	if c.started {
		if err := c.run(context.Background(), "pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "-t", "30", "stop"); err != nil {
			fmt.Fprintln(os.Stderr, "bench: stopping PostgreSQL:", err)
		}
		c.started = false
	}
	os.RemoveAll(c.dir)
}

// createDatabase creates an empty database next to adminURL's and returns
// its URL.
func createDatabase(ctx context.Context, adminURL, name string) (string, error) {
	u, err := withPath(adminURL, name)
	if err != nil {
		return "", err
	}
	conn, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(name)); err != nil {
		return "", fmt.Errorf("create database %s (the --database-url role needs CREATEDB): %w", name, err)
	}
	return u, nil
}

// dropDatabase removes a database the harness created on a server it
// does not own.
func dropDatabase(adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := sql.Open("pgx", adminURL)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+quoteIdent(name)+` WITH (FORCE)`); err != nil {
		fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
	}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// shellJoin quotes words for /bin/sh.
func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
