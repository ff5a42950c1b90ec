package app

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/masterkey"
	"mamori/internal/signing"
)

// A backup is one gzip-compressed tar file: manifest.json first, then the
// files it lists. It holds the database (SQLite: a VACUUM INTO copy;
// PostgreSQL: a pg_dump archive when pg_dump is on PATH) and the keys
// directory, because the database alone is useless without the master key
// that sealed it (docs/operations.md).
const (
	backupFormat   = "mamori-backup/1"
	manifestName   = "manifest.json"
	sqliteName     = "mamori.db"
	pgDumpName     = "postgres.dump"
	maxManifest    = 1 << 20
	keysDirName    = "keys"
	masterIncluded = "included"
	masterEnv      = "not included: MAMORI_SECRET_KEY"
	// keyCheckMigration adds the key-check value and the key ring.
	keyCheckMigration = "0019_key_ring.sql"
)

// Manifest describes a backup; restore checks every file against it.
type Manifest struct {
	Format    string `json:"format"`
	Version   string `json:"mamori_version"`
	Dialect   string `json:"dialect"`
	Schema    string `json:"schema_migration"`
	CreatedAt string `json:"created_at"`
	// MasterKey says whether keys/secret.key is in the backup; a key from
	// MAMORI_SECRET_KEY never is (the operator keeps it elsewhere).
	MasterKey string         `json:"master_key"`
	Database  string         `json:"database"` // file name, or "" when not included (PostgreSQL without pg_dump)
	Files     []ManifestFile `json:"files"`
}

// ManifestFile is one file of a backup.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

const backupUsage = `Usage: mamori backup --to FILE [--data-dir DIR | --database-url URL]

Writes the database and its keys into FILE (mode 0600; it must not exist),
a gzip-compressed tar with a manifest of SHA-256 checksums. SQLite is copied
with VACUUM INTO while the server keeps running; PostgreSQL is dumped with
pg_dump when it is on PATH. The master key is included when it comes from
<data-dir>/keys/secret.key, never when it comes from MAMORI_SECRET_KEY.
The file is as secret as the key: keep it where the key may be.
`

func runBackup(args []string, stdout, stderr io.Writer, env func(string) string) int {
	var to string
	cfg, err := commandConfig("backup", args, env, stderr, backupUsage, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "backup file to write (must not exist)")
	})
	if err != nil {
		return reportConfig(stderr, err)
	}
	if to == "" {
		fmt.Fprint(stderr, backupUsage)
		return 2
	}
	ctx, stop := SignalContext()
	defer stop()
	m, err := Backup(ctx, cfg, to, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mamori backup:", err)
		return 1
	}
	size := int64(0)
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(stderr, "backup of %s (%s, master key %s, %d files, %d bytes before compression)\n", m.Dialect, m.Schema, m.MasterKey, len(m.Files), size)
	fmt.Fprintln(stdout, to)
	return 0
}

// commandConfig parses a command's own flags and the store flags from one
// list, like the admin commands.
func commandConfig(name string, args []string, env func(string) string, stderr io.Writer, usage string, define func(*flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	define(fs)
	var own, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		key, _, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(key); f != nil && strings.HasPrefix(a, "-") {
			own = append(own, a)
			if !hasVal && !isBoolFlag(f) && i+1 < len(args) {
				own = append(own, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	if err := fs.Parse(own); err != nil {
		return config.Config{}, err
	}
	cfg, extra, err := config.Load(name, rest, env, stderr, true)
	if err != nil {
		return cfg, err
	}
	if len(extra) > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(extra, " "))
	}
	return cfg, nil
}

// Backup writes cfg's database and keys to the file to. It refuses when
// the configured master key does not open the database (a backup whose key
// cannot open it would be worthless) and never overwrites a file.
func Backup(ctx context.Context, cfg config.Config, to string, log io.Writer) (*Manifest, error) {
	if _, err := os.Lstat(to); err == nil {
		return nil, fmt.Errorf("%s exists: choose a new file name", to)
	}
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, sqliteName)); err != nil {
			return nil, fmt.Errorf("no mamori database in %s: %w", cfg.DataDir, err)
		}
	}
	// Opened as it is, not migrated: the backup taken before an upgrade,
	// often with the new binary, must hold the database the running
	// (older) servers use, restorable by their version.
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.DataDir, db.Options{})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	m := &Manifest{Format: backupFormat, Version: Version, Dialect: string(d.Dialect()), CreatedAt: time.Now().UTC().Format(time.RFC3339), MasterKey: masterIncluded}
	if err := d.QueryRowContext(ctx, `SELECT COALESCE(MAX(name), '') FROM schema_migrations`).Scan(&m.Schema); err != nil {
		return nil, fmt.Errorf("read the schema level: %w", err)
	}
	// The keys must open this database, or the backup could never be
	// restored into a working server. A schema older than the key check
	// (migration 0019) has nothing to check them against: the key must
	// exist, and the first start after the upgrade checks it.
	if m.Schema >= keyCheckMigration {
		if _, err := OpenKey(ctx, cfg, d); err != nil {
			return nil, err
		}
	} else if masterkey.Source(cfg) == "file" {
		if _, err := os.Stat(masterkey.Path(cfg.DataDir)); err != nil {
			return nil, fmt.Errorf("no master key to back up with this database: %w", err)
		}
	}
	if masterkey.Source(cfg) == "environment" {
		m.MasterKey = masterEnv
	}

	stage, err := os.MkdirTemp(filepath.Dir(to), ".mamori-backup-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	if err := os.Chmod(stage, 0o700); err != nil { // whatever the umask
		return nil, err
	}
	var files []string // names inside the backup, each staged under stage or found in the data directory
	src := map[string]string{}
	switch d.Dialect() {
	case db.SQLite:
		out := filepath.Join(stage, sqliteName)
		if err := vacuumInto(ctx, filepath.Join(cfg.DataDir, sqliteName), out); err != nil {
			return nil, err
		}
		files, src[sqliteName], m.Database = append(files, sqliteName), out, sqliteName
	case db.Postgres:
		bin, err := exec.LookPath("pg_dump")
		if err != nil {
			fmt.Fprintln(log, "mamori backup: pg_dump is not on PATH: the backup holds the keys only; dump the database with pg_dump yourself (docs/operations.md)")
			break
		}
		out := filepath.Join(stage, pgDumpName)
		conn, password := splitPassword(cfg.DatabaseURL)
		cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges", "--file", out, "--dbname", conn)
		cmd.Stderr = log
		if password != "" {
			// Through the environment, not the command line, which every
			// user of the machine can read in the process list.
			cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
		}
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("pg_dump: %w", err)
		}
		files, src[pgDumpName], m.Database = append(files, pgDumpName), out, pgDumpName
	}
	keysDir := filepath.Join(cfg.DataDir, keysDirName)
	entries, err := os.ReadDir(keysDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	// Key files of an older version's keyring hold private signing keys
	// in clear. Once the database holds a key (imported at start, sealed)
	// its file is left out: a backup without the master key
	// (MAMORI_SECRET_KEY) must not carry the signing keys in clear. The
	// current marker goes with them, as it names a file left out.
	inDB := func(id string) (bool, error) {
		if m.Schema < keyCheckMigration {
			return false, nil
		}
		var one int
		err := d.QueryRowContext(ctx, `SELECT 1 FROM signing_keys WHERE id = ?`, id).Scan(&one)
		if errors.Is(db.Classify(err), db.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	skipMarker := false
	if b, err := os.ReadFile(filepath.Join(keysDir, "current")); err == nil {
		if skipMarker, err = inDB(strings.TrimSpace(string(b))); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.Name() == masterkey.FileName && m.MasterKey == masterEnv {
			continue // not the deployment's key: MAMORI_SECRET_KEY is
		}
		if id, ok := signing.LegacyFile(e.Name()); ok {
			skip := skipMarker
			if id != "" {
				if skip, err = inDB(id); err != nil {
					return nil, err
				}
			}
			if skip {
				continue
			}
		}
		name := keysDirName + "/" + e.Name()
		files, src[name] = append(files, name), filepath.Join(keysDir, e.Name())
	}
	for _, name := range files {
		sum, size, err := fileSum(src[name])
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, ManifestFile{Name: name, Size: size, SHA256: sum})
	}
	if err := writeArchive(to, stage, m, src); err != nil {
		return nil, err
	}
	return m, nil
}

// splitPassword takes the password out of a postgres:// URL.
func splitPassword(raw string) (conn, password string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw, ""
	}
	password, ok := u.User.Password()
	if !ok {
		return raw, ""
	}
	u.User = url.User(u.User.Username())
	return u.String(), password
}

// vacuumInto copies a live SQLite database into out with VACUUM INTO: one
// read transaction, so it finishes however fast the server writes (the
// online backup API restarts whenever a write lands, and never finished
// under five writes a second).
func vacuumInto(ctx context.Context, dbPath, out string) error {
	c, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		return fmt.Errorf("copy the database: %w", err)
	}
	return nil
}

func fileSum(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// writeArchive writes the manifest and the files to a private temporary
// file beside to, then links it into place (never over an existing file).
func writeArchive(to, stage string, m *Manifest, src map[string]string) (err error) {
	f, err := os.CreateTemp(stage, "archive-*")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	now := time.Now()
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mb)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(mb); err != nil {
		return err
	}
	for _, mf := range m.Files {
		in, err := os.Open(src[mf.Name])
		if err != nil {
			return err
		}
		err = tw.WriteHeader(&tar.Header{Name: mf.Name, Mode: 0o600, Size: mf.Size, ModTime: now, Typeflag: tar.TypeReg})
		if err == nil {
			// Exactly the size summed: a key file rewritten meanwhile
			// fails here instead of giving a backup that restore refuses.
			var n int64
			n, err = io.Copy(tw, io.LimitReader(in, mf.Size))
			if err == nil && n != mf.Size {
				err = fmt.Errorf("%s changed while it was backed up", mf.Name)
			}
		}
		in.Close()
		if err != nil {
			return err
		}
	}
	if err := errors.Join(tw.Close(), gz.Close(), f.Sync()); err != nil {
		return err
	}
	if err := os.Link(f.Name(), to); err != nil {
		return fmt.Errorf("write %s: %w", to, err)
	}
	return nil
}
