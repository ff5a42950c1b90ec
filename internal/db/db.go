// Package db opens the store (SQLite by default, PostgreSQL when a URL is
// given), applies migrations and hides the few places where the two engines
// differ, so capability packages write one set of portable SQL.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound and ErrConflict are the two store outcomes callers act on;
// every store function returns one of them instead of nil results.
var (
	ErrNotFound = errors.New("db: not found")
	ErrConflict = errors.New("db: conflict")
)

// Querier is what store functions need; both *DB and *Tx satisfy it so the
// same function runs inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB holds a writer and a reader pool. On SQLite the writer has one
// connection because SQLite allows one writer at a time: queueing in Go is
// cheaper and fairer than spinning on SQLITE_BUSY. On PostgreSQL both are the
// same pool.
type DB struct {
	dialect Dialect
	w       *sql.DB
	r       *sql.DB
	rebind  sync.Map // query text → PostgreSQL form
	// Prepared statements per pool, SQLite only: modernc's driver parses
	// every statement anew otherwise, which costs more than running it.
	// pgx keeps its own per-connection statement cache.
	rstmts, wstmts stmtCache
	// writes counts this instance's committed writes, so per-instance
	// caches can drop whatever was read before a change made here.
	writes atomic.Uint64
	// txStmts counts statements run in write transactions (TxStatements).
	txStmts atomic.Uint64
}

// WriteEpoch changes whenever this instance commits a write.
func (d *DB) WriteEpoch() uint64 { return d.writes.Load() }

type stmtCache struct {
	m sync.Map // query → *sql.Stmt
	n atomic.Int32
}

// maxCachedStmts bounds the cache; queries past it run unprepared. The set
// of query texts is fixed by the code, so this is only a safety net.
const maxCachedStmts = 1000

func (c *stmtCache) get(ctx context.Context, pool *sql.DB, q string) *sql.Stmt {
	if v, ok := c.m.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if pool == nil || c.n.Load() >= maxCachedStmts {
		return nil
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if v, loaded := c.m.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

func (c *stmtCache) close() {
	c.m.Range(func(k, v any) bool { v.(*sql.Stmt).Close(); return true })
}

// Options tunes Open; zero values pick sensible defaults.
type Options struct {
	// Schema, on PostgreSQL, is created if missing and put first on the
	// search_path; tests use it to give each test its own namespace.
	Schema string
	// ReadConns bounds the SQLite reader pool.
	ReadConns int
}

// Open connects to the store chosen by databaseURL (PostgreSQL) or dataDir
// (SQLite file mamori.db).
func Open(ctx context.Context, databaseURL, dataDir string, opt Options) (*DB, error) {
	if databaseURL != "" {
		return openPostgres(ctx, databaseURL, opt)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, "mamori.db"), opt)
}

// sqliteParams configures every SQLite connection, writer and readers
// alike, each time the pool opens one.
//
// busy_timeout comes first: until it is set a connection gives up at once
// with SQLITE_BUSY, and the pragmas after it (journal_mode on a database
// another process is writing, for one) can need a lock another connection
// holds, so a start beside a busy writer would fail instead of waiting.
// PocketBase and GoToSocial set it first for the same reason. The driver
// runs its _busy_timeout key before every other key, whatever their order
// in the text (modernc.org/sqlite's documented order); the order among
// _pragma values is not documented (v1.62 sorts them by name), and none of
// them depends on another.
//
// synchronous=NORMAL in WAL mode loses nothing when the process is
// killed; only an OS crash or power loss can drop the last commits.
//
// journal_size_limit bounds the WAL file a checkpoint leaves behind. SQLite
// reuses the WAL from its start after a checkpoint but never shrinks it by
// itself, so one large write burst (an asset import, housekeeping deleting
// many expired rows) would otherwise keep its full size on disk until the
// last connection closes. (RewriteStorage truncates the WAL itself: its
// VACUUM copies the whole database through it.) 64 MiB is about 16,000 pages of 4 KiB, far more than the writes
// between two automatic checkpoints (1,000 pages), so in normal use the
// file is reused, not truncated and grown again.
const sqliteParams = "_busy_timeout=10000" +
	"&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(67108864)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16000)&_pragma=temp_store(MEMORY)&_time_format=sqlite"

// OpenSQLite opens (creating if needed) a SQLite database file.
func OpenSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	dsn := "file:" + path + "?" + sqliteParams
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{dialect: SQLite, w: w, r: r}
	if err := w.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return d, nil
}

// privateFiles makes the database file, and the WAL and shared-memory
// files next to it, readable by the owner only. The store holds password
// digests, sessions and everything organisations report; SQLite would
// create it with the umask's mode (0644 under the usual 022), and creates
// the -wal and -shm files with the database file's mode, so creating the
// file 0600 before the first connection covers all three. Files left
// readable by an older version are narrowed the same way.
func privateFiles(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open sqlite %s: %w", p, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("open sqlite: %s has mode %04o and cannot be made private (chmod 600 %s): %w", p, fi.Mode().Perm(), p, err)
			}
		}
	}
	return nil
}

func openPostgres(ctx context.Context, url string, opt Options) (*DB, error) {
	dsn := url
	if opt.Schema != "" {
		admin, err := sql.Open("pgx", url)
		if err != nil {
			return nil, err
		}
		_, err = admin.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(opt.Schema))
		admin.Close()
		if err != nil {
			return nil, fmt.Errorf("create schema: %w", err)
		}
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		dsn = url + sep + "search_path=" + opt.Schema
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	// pgx returns timestamptz in the process's local zone; SQLite gives
	// UTC. Scan in UTC too so times read back the same on both engines.
	p := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(20)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{dialect: Postgres, w: p, r: p}, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Close releases both pools.
func (d *DB) Close() error {
	d.rstmts.close()
	d.wstmts.close()
	err := d.w.Close()
	if d.r != d.w {
		if e := d.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// Ping checks the store answers; readiness probes use it.
func (d *DB) Ping(ctx context.Context) error { return d.r.PingContext(ctx) }

// Read returns a Querier on the reader pool. On SQLite it cannot write, so a
// store function that only reads should use it to stay off the writer queue.
func (d *DB) Read() Querier { return readQ{d} }

type readQ struct{ d *DB }

func (q readQ) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.d.r.ExecContext(ctx, q.d.bind(query), fixArgs(args)...)
}
func (q readQ) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.d.prepared(ctx, false, query); st != nil {
		return st.QueryContext(ctx, fixArgs(args)...)
	}
	return q.d.r.QueryContext(ctx, q.d.bind(query), fixArgs(args)...)
}
func (q readQ) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.d.prepared(ctx, false, query); st != nil {
		return st.QueryRowContext(ctx, fixArgs(args)...)
	}
	return q.d.r.QueryRowContext(ctx, q.d.bind(query), fixArgs(args)...)
}

// txPrepared returns a statement already cached for the writer. It never
// prepares: inside a transaction the writer's only connection is taken,
// and preparing on the pool would wait for it forever.
func (d *DB) txPrepared(ctx context.Context, q string) *sql.Stmt {
	if d.dialect != SQLite {
		return nil
	}
	return d.wstmts.get(ctx, nil, q)
}

// prepared returns a cached statement on SQLite, nil on PostgreSQL.
func (d *DB) prepared(ctx context.Context, writer bool, q string) *sql.Stmt {
	if d.dialect != SQLite {
		return nil
	}
	if writer {
		return d.wstmts.get(ctx, d.w, q)
	}
	return d.rstmts.get(ctx, d.r, q)
}
func (q readQ) Dialect() Dialect { return q.d.dialect }

// ExecContext runs a statement on the writer.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer d.writes.Add(1)
	if st := d.prepared(ctx, true, query); st != nil {
		res, err := st.ExecContext(ctx, fixArgs(args)...)
		return res, Classify(err)
	}
	res, err := d.w.ExecContext(ctx, d.bind(query), fixArgs(args)...)
	return res, Classify(err)
}

// QueryContext queries on the writer connection, which sees the latest
// committed data; reads that can go to the reader pool should use Read().
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.prepared(ctx, true, query); st != nil {
		return st.QueryContext(ctx, fixArgs(args)...)
	}
	return d.w.QueryContext(ctx, d.bind(query), fixArgs(args)...)
}

// QueryRowContext is QueryContext for one row.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.prepared(ctx, true, query); st != nil {
		return st.QueryRowContext(ctx, fixArgs(args)...)
	}
	return d.w.QueryRowContext(ctx, d.bind(query), fixArgs(args)...)
}

// TxStatements is how many statements write transactions have run. Tests
// compare it across two paths that must cost the same work (an answer
// that is cheaper for an unknown address tells which addresses exist),
// which a timing would measure only noisily.
func (d *DB) TxStatements() uint64 { return d.txStmts.Load() }

// Tx is a write transaction.
type Tx struct {
	tx *sql.Tx
	d  *DB
}

func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.d.txStmts.Add(1)
	if st := t.d.txPrepared(ctx, query); st != nil {
		res, err := t.tx.StmtContext(ctx, st).ExecContext(ctx, fixArgs(args)...)
		return res, Classify(err)
	}
	res, err := t.tx.ExecContext(ctx, t.d.bind(query), fixArgs(args)...)
	return res, Classify(err)
}
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.d.txStmts.Add(1)
	if st := t.d.txPrepared(ctx, query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, fixArgs(args)...)
	}
	return t.tx.QueryContext(ctx, t.d.bind(query), fixArgs(args)...)
}
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.d.txStmts.Add(1)
	if st := t.d.txPrepared(ctx, query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, fixArgs(args)...)
	}
	return t.tx.QueryRowContext(ctx, t.d.bind(query), fixArgs(args)...)
}
func (t *Tx) Dialect() Dialect { return t.d.dialect }

// InTx runs fn in a write transaction, committing when fn returns nil. On
// SQLite the transaction starts IMMEDIATE so it never fails half-way with
// SQLITE_BUSY on upgrade from reader to writer.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{tx: stx, d: d}
	defer func() {
		if p := recover(); p != nil {
			stx.Rollback()
			panic(p)
		}
		if err != nil {
			stx.Rollback()
			return
		}
		err = Classify(stx.Commit())
		d.writes.Add(1)
	}()
	return fn(tx)
}

// Transact runs fn all-or-nothing: in q itself when q is already a
// transaction, so a store function can be one step of a caller's larger
// write, and in a new transaction when q is the database or its reader
// (writes belong on the writer). A caller holding only *DB (the operator's
// shell, a test) thus gets the same atomic write as one holding a *Tx.
// Any other Querier cannot open a transaction and runs fn as it is.
func Transact(ctx context.Context, q Querier, fn func(q Querier) error) error {
	var d *DB
	switch q := q.(type) {
	case *DB:
		d = q
	case readQ:
		d = q.d
	default:
		return fn(q)
	}
	return d.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// bind turns ? placeholders into $n for PostgreSQL. Queries are written once
// with ?; the rewritten text is cached because the set of queries is fixed.
func (d *DB) bind(q string) string {
	if d.dialect != Postgres {
		return q
	}
	if v, ok := d.rebind.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inStr = !inStr
		}
		if c == '?' && !inStr {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	d.rebind.Store(q, s)
	return s
}

// fixArgs stores every time in UTC: SQLite compares times as text, which
// orders correctly only when all share one offset. Times are truncated to
// microseconds, all PostgreSQL keeps, so both engines store the same value.
func fixArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Truncate(time.Microsecond)
		case *time.Time:
			if v != nil {
				args[i] = v.UTC().Truncate(time.Microsecond)
			} else {
				args[i] = nil
			}
		}
	}
	return args
}

// Classify maps engine-specific constraint errors to ErrConflict and
// sql.ErrNoRows to ErrNotFound, keeping the original for logs.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// NewID returns a time-ordered UUIDv7 as text; ordered ids keep B-tree
// inserts at the end of the index on both engines.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Now is the store's notion of the present, truncated to microseconds
// because PostgreSQL keeps no more and round-trips must compare equal.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// RewriteStorage rewrites the named tables' storage so that values just
// replaced (sealed secrets, removed originals) no longer sit in freed
// pages: on SQLite the whole file (VACUUM, then the WAL truncated), on
// PostgreSQL each table (VACUUM FULL: the dead row versions go). Names
// come from the code, never from input. Archived PostgreSQL WAL and
// earlier backups still hold the old values; operations.md says so.
func (d *DB) RewriteStorage(ctx context.Context, tables ...string) error {
	var stmts []string
	switch d.Dialect() {
	case SQLite:
		stmts = []string{`VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`}
	case Postgres:
		for _, t := range tables {
			stmts = append(stmts, `VACUUM FULL `+t)
		}
	}
	for _, q := range stmts {
		if _, err := d.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
