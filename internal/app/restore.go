package app

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"mamori/internal/db"
)

const restoreUsage = `Usage: mamori restore --from FILE --data-dir NEW

Unpacks a backup made by mamori backup into NEW, which must not exist or be
empty (an empty mount point, or a link to one, is filled in place). Every
file is checked against the backup's manifest (SHA-256 and size) before
anything is put in place; a damaged or truncated backup is refused. The
checksums do not prove who wrote the file: keep backups where only you can
change them. The database and keys are written with modes 0600
(directories 0700). A PostgreSQL dump is left in NEW/postgres.dump for
pg_restore; delete it once loaded.
`

func runRestore(args []string, stdout, stderr io.Writer, env func(string) string) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, restoreUsage) }
	from := fs.String("from", "", "backup file")
	dir := fs.String("data-dir", "", "new, empty data directory")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *from == "" || *dir == "" || fs.NArg() != 0 {
		fmt.Fprint(stderr, restoreUsage)
		return 2
	}
	m, err := Restore(*from, *dir)
	if err != nil {
		fmt.Fprintln(stderr, "mamori restore:", err)
		return 1
	}
	fmt.Fprintf(stderr, "restored a %s backup of %s (%s, mamori %s) into %s\n", m.Dialect, m.CreatedAt, m.Schema, m.Version, *dir)
	if m.MasterKey != masterIncluded {
		fmt.Fprintln(stderr, "the master key is not in the backup: start the server with MAMORI_SECRET_KEY set to the key of the backed-up deployment")
	}
	switch m.Database {
	case pgDumpName:
		fmt.Fprintf(stderr, "load the database into an empty PostgreSQL database: pg_restore --no-owner --exit-on-error --dbname URL %s\n", filepath.Join(*dir, pgDumpName))
	case "":
		fmt.Fprintln(stderr, "the backup holds no database (PostgreSQL without pg_dump): restore the database from your own dump")
	}
	fmt.Fprintln(stdout, *dir)
	return 0
}

// Restore unpacks the backup from into the empty or missing directory
// dir, refusing a file that does not match its manifest.
//
// An existing empty directory is kept and filled, not replaced: it may be
// a mount point (a new volume, which cannot be removed or renamed onto),
// a symbolic link to the volume meant to hold the data, or writable by the
// operator when its parent is not. The files are unpacked and checked in
// a staging directory inside it, then moved into place (the keys first,
// so a server started meanwhile never finds the database without them).
func Restore(from, dir string) (m *Manifest, err error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty: restore into a new directory", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o700); err != nil {
		return nil, err
	}
	made := false
	if err := os.Mkdir(dir, 0o700); err == nil {
		made = true
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	defer func() {
		if err != nil && made {
			os.RemoveAll(dir)
		}
	}()
	// A directory others may enter would expose the database for as long
	// as they hold it open; the keys are 0600 either way.
	if err := os.Chmod(dir, 0o700); err != nil && made {
		return nil, err
	}
	stage, err := os.MkdirTemp(dir, ".mamori-restore-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage) // empty after the moves below, unless one failed
	m, err = unpack(from, stage)
	if err != nil {
		return nil, err
	}
	if ms, err := db.Migrations(db.Dialect(m.Dialect)); err == nil && len(ms) > 0 && m.Schema > ms[len(ms)-1].Name {
		return nil, fmt.Errorf("the backup's schema (%s) is newer than this mamori knows (%s): restore with the version that made it (%s)", m.Schema, ms[len(ms)-1].Name, m.Version)
	}
	names := []string{keysDirName}
	for _, f := range m.Files {
		if !strings.HasPrefix(f.Name, keysDirName+"/") {
			names = append(names, f.Name)
		}
	}
	var moved []string
	defer func() {
		if err != nil {
			for _, p := range moved {
				os.RemoveAll(p)
			}
		}
	}()
	for _, name := range names {
		target := filepath.Join(dir, name)
		// Never over something that appeared meanwhile: a directory is
		// renamed onto a missing name only (an existing empty one is
		// refused below), a file is linked, which fails if the name exists.
		if _, err := os.Lstat(target); err == nil {
			return nil, fmt.Errorf("%s appeared while restoring: restore into a new directory", target)
		}
		if name == keysDirName {
			err = os.Rename(filepath.Join(stage, name), target)
		} else {
			err = os.Link(filepath.Join(stage, name), target)
		}
		if err != nil {
			return nil, err
		}
		moved = append(moved, target)
	}
	return m, nil
}

// unpack reads the archive into stage, checking each file's size and
// SHA-256 against the manifest, and that every listed file is there.
func unpack(from, stage string) (*Manifest, error) {
	f, err := os.Open(from)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	damaged := func(err error) error { return fmt.Errorf("%s is damaged or not a mamori backup: %w", from, err) }
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, damaged(err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil {
		return nil, damaged(err)
	}
	if h.Name != manifestName || h.Size > maxManifest {
		return nil, damaged(errors.New("no manifest first"))
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, maxManifest)).Decode(&m); err != nil {
		return nil, damaged(err)
	}
	if m.Format != backupFormat {
		return nil, damaged(fmt.Errorf("format %q, want %q", m.Format, backupFormat))
	}
	want := map[string]ManifestFile{}
	for _, mf := range m.Files {
		if !safeName(mf.Name) {
			return nil, damaged(fmt.Errorf("unexpected file name %q", mf.Name))
		}
		want[mf.Name] = mf
	}
	if m.Database != "" {
		if _, ok := want[m.Database]; !ok {
			return nil, damaged(errors.New("the manifest names a database file it does not list"))
		}
	}
	// Modes set explicitly: a umask only takes bits away, and one that
	// takes the owner's would leave the server unable to read its keys.
	if err := os.Mkdir(filepath.Join(stage, keysDirName), 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(filepath.Join(stage, keysDirName), 0o700); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, damaged(err)
		}
		mf, ok := want[h.Name]
		if !ok || seen[h.Name] || h.Typeflag != tar.TypeReg || h.Size != mf.Size {
			return nil, damaged(fmt.Errorf("%q is not in the manifest as found", h.Name))
		}
		seen[h.Name] = true
		out, err := os.OpenFile(filepath.Join(stage, filepath.FromSlash(h.Name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		sum := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, sum), io.LimitReader(tr, mf.Size+1))
		err = errors.Join(err, out.Chmod(0o600), out.Sync(), out.Close())
		if err != nil {
			return nil, damaged(err)
		}
		if n != mf.Size || hex.EncodeToString(sum.Sum(nil)) != mf.SHA256 {
			return nil, damaged(fmt.Errorf("%s does not match its checksum", h.Name))
		}
	}
	// The gzip trailer holds a checksum of the whole stream: read to it.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, damaged(err)
	}
	for name := range want {
		if !seen[name] {
			return nil, damaged(fmt.Errorf("%s is missing", name))
		}
	}
	return &m, nil
}

// safeName admits the names a backup holds: the database file and plain
// files directly under keys/.
func safeName(name string) bool {
	if name == sqliteName || name == pgDumpName {
		return true
	}
	dir, file := path.Split(name)
	return dir == keysDirName+"/" && file != "" && file != "." && file != ".." && !strings.ContainsAny(file, `/\`)
}
