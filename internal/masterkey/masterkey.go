// Package masterkey holds the deployment's master key and the keys derived
// from it to protect what mamori keeps secret at rest (named for the key: it
// is not NaCl's secretbox). Reported mail, signing keys and TOTP secrets are
// sealed with AES-256-GCM, and recipient pseudonyms are keyed HMACs, so the
// same recipient is linkable across reports without being revealed. Each
// use gets its own key derived from the master key (HKDF-SHA256 with the
// purpose as info), so a key leaked for one purpose says nothing about
// another. The key belongs to the deployment: Open ties it to the database
// with a key-check value, so an instance with another key, or with none
// where data needs one, refuses to start instead of sealing what the others
// cannot open.
package masterkey

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"mamori/internal/config"
	"mamori/internal/db"
)

// FileName is the key file in <DataDir>/keys when MAMORI_SECRET_KEY is
// not set.
const FileName = "secret.key"

// version prefixes every sealed value, so a future key rotation or
// algorithm change can tell old values from new.
const version byte = 1

// Box seals and keys values for the purposes the application names.
type Box struct {
	master []byte
	mu     sync.Mutex
	keys   map[string][]byte
}

// New wraps a 32-byte master key.
func New(master []byte) (*Box, error) {
	if len(master) != 32 {
		return nil, errors.New("masterkey: the master key must be 32 bytes")
	}
	return &Box{master: append([]byte(nil), master...), keys: map[string][]byte{}}, nil
}

// Source says where the master key of cfg comes from: "environment"
// (MAMORI_SECRET_KEY) or "file" (<DataDir>/keys/secret.key).
func Source(cfg config.Config) string {
	if cfg.SecretKey != "" {
		return "environment"
	}
	return "file"
}

// Path is the key file used when MAMORI_SECRET_KEY is not set.
func Path(dataDir string) string { return filepath.Join(dataDir, "keys", FileName) }

// NoKeyError: the database holds data that needs the master key, but none
// is configured. A fresh key would seal new data that the old key's
// holders cannot open and leave the old data unreadable, so the server
// refuses to start instead.
type NoKeyError struct {
	DataDir string
	Found   string // the table whose rows need the key
}

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("this database holds data sealed or signed with a master key (table %s), but no master key is configured: "+
		"set MAMORI_SECRET_KEY to the deployment's key (the same on every instance), or restore %s from the backup taken with this database "+
		"(docs/operations.md, \"Backup and restore\"); mamori will not make a new key for data that needs the old one",
		e.Found, Path(e.DataDir))
}

// ErrWrongKey: the configured master key does not open the database's
// key-check value.
var ErrWrongKey = errors.New("this database was sealed with another master key: set MAMORI_SECRET_KEY to the same value on every instance, " +
	"or restore keys/secret.key from the backup taken with this database (docs/operations.md, \"Backup and restore\")")

// checkPurpose and checkText make the key-check value.
const (
	checkPurpose = "key check"
	checkText    = "mamori master key check v1"
)

// Open returns the deployment's master key and ties it to the database:
// the key comes from cfg.SecretKey, else from <DataDir>/keys/secret.key.
// Only a brand new deployment (no key-check value and no row in any of
// dependents, the tables whose rows need the key) gets a new key file
// (mode 0600, created exclusively so that two servers starting on one data
// directory agree on one key); otherwise a missing key is a *NoKeyError.
// The first start writes a key-check value sealed with the key; every
// start opens it, so an instance configured with another key fails with
// ErrWrongKey instead of sealing data the other instances cannot open.
//
// probes guard the start that writes the key-check value (the first after
// an upgrade from a version without one): each opens a value the database
// already holds sealed and returns ErrWrongKey when it does not open, so
// a new key set at the upgrade is refused instead of being written as the
// deployment's key while the data stays sealed with the old one.
func Open(ctx context.Context, cfg config.Config, d *db.DB, dependents []string, probes ...Probe) (*Box, error) {
	master, err := configured(cfg)
	if err != nil {
		return nil, err
	}
	created := false
	if master == nil {
		for _, t := range append([]string{"key_check"}, dependents...) {
			var one int
			err := d.QueryRowContext(ctx, `SELECT 1 FROM `+t+` LIMIT 1`).Scan(&one)
			if err == nil {
				// Another process on this data directory may have made
				// the key file and sealed the database since the key was
				// looked for: the file is always written first.
				if master, err = configured(cfg); err != nil {
					return nil, err
				}
				if master == nil {
					return nil, &NoKeyError{DataDir: cfg.DataDir, Found: t}
				}
				break
			}
			if !errors.Is(db.Classify(err), db.ErrNotFound) {
				return nil, fmt.Errorf("masterkey: %w", err)
			}
		}
		if master == nil {
			if master, created, err = createFile(cfg.DataDir); err != nil {
				return nil, err
			}
		}
	}
	b, err := New(master)
	if err != nil {
		return nil, err
	}
	if err := b.check(ctx, d, probes); err != nil {
		if created && errors.Is(err, ErrWrongKey) {
			// Another instance sealed the database first, with its own
			// key: the key this start made opens nothing, and leaving it
			// would only repeat this error with a less helpful cause.
			os.Remove(Path(cfg.DataDir))
			return nil, &NoKeyError{DataDir: cfg.DataDir, Found: "key_check"}
		}
		return nil, err
	}
	return b, nil
}

// Probe tries the master key on data sealed before the key-check value
// existed; see Open.
type Probe func(ctx context.Context, q db.Querier, b *Box) error

// check writes the key-check value if there is none (the first writer
// wins, once the probes opened what is already sealed) and opens the one
// stored.
func (b *Box) check(ctx context.Context, d *db.DB, probes []Probe) error {
	var one int
	err := d.QueryRowContext(ctx, `SELECT 1 FROM key_check WHERE id = 1`).Scan(&one)
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		for _, p := range probes {
			if err := p(ctx, d, b); err != nil {
				return err
			}
		}
	} else if err != nil {
		return fmt.Errorf("masterkey: read the key check: %w", err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO key_check (id, sealed, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
		b.Seal(checkPurpose, []byte(checkText), nil), db.Now()); err != nil {
		return fmt.Errorf("masterkey: write the key check: %w", err)
	}
	var sealed []byte
	if err := d.QueryRowContext(ctx, `SELECT sealed FROM key_check WHERE id = 1`).Scan(&sealed); err != nil {
		return fmt.Errorf("masterkey: read the key check: %w", err)
	}
	if pt, err := b.Open(checkPurpose, sealed, nil); err != nil || string(pt) != checkText {
		return ErrWrongKey
	}
	return nil
}

// configured is the key from cfg.SecretKey or the key file, nil when
// neither exists.
func configured(cfg config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		k, err := config.DecodeKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("masterkey: MAMORI_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	path := Path(cfg.DataDir)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("masterkey: %w", err)
	}
	// The key opens every sealed value: a file others may read is a key
	// given away, so it is refused like the signing keys always were.
	if fi, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("masterkey: %s has mode %04o: group and others must have no access (chmod 600 %s)", path, fi.Mode().Perm(), path)
	}
	k, err := config.DecodeKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("masterkey: %s: %w", path, err)
	}
	return k, nil
}

// createFile makes <dataDir>/keys/secret.key, or reads the one another
// process made at the same moment; created tells which.
func createFile(dataDir string) (key []byte, created bool, err error) {
	dir := filepath.Dir(Path(dataDir))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("masterkey: %w", err)
	}
	path := Path(dataDir)
	for range 2 {
		if b, err := os.ReadFile(path); err == nil {
			k, err := config.DecodeKey(string(b))
			if err != nil {
				return nil, false, fmt.Errorf("masterkey: %s: %w", path, err)
			}
			return k, false, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("masterkey: %w", err)
		}
		k := make([]byte, 32)
		rand.Read(k)
		// The key is written whole to a private temporary file and then
		// linked into place, which fails if the name exists: a second
		// process starting at the same moment either wins the link or
		// reads a complete key, never an empty or half-written file.
		f, err := os.CreateTemp(dir, FileName+".*")
		if err != nil {
			return nil, false, fmt.Errorf("masterkey: %w", err)
		}
		tmp := f.Name()
		_, werr := f.WriteString(hex.EncodeToString(k) + "\n")
		if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
			os.Remove(tmp)
			return nil, false, fmt.Errorf("masterkey: %w", err)
		}
		err = os.Link(tmp, path)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links (some network or FUSE
			// volumes): create the name exclusively and write the key, as
			// before; the race window is back there, and only there.
			err = writeExclusive(path, k)
		}
		os.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			continue // another process won the race: read its key
		}
		if err != nil {
			return nil, false, fmt.Errorf("masterkey: %w", err)
		}
		return k, true, nil
	}
	return nil, false, fmt.Errorf("masterkey: could not read or create %s", path)
}

// writeExclusive creates path, which must not exist, holding k.
func writeExclusive(path string, k []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(hex.EncodeToString(k) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

func (b *Box) key(purpose string) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if k, ok := b.keys[purpose]; ok {
		return k
	}
	k, err := hkdf.Key(sha256.New, b.master, nil, "mamori "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give; 32 it always can
	}
	b.keys[purpose] = k
	return k
}

// ErrOpen is any failure to open a sealed value: wrong key, wrong
// purpose or context, or tampering. The causes are not told apart, on
// purpose.
var ErrOpen = errors.New("masterkey: cannot open the sealed value")

// Seal encrypts plaintext for purpose. context (for example the id of the
// row the value belongs to) is authenticated but not stored, so a value
// copied to another row does not open there.
func (b *Box) Seal(purpose string, plaintext, context []byte) []byte {
	aead := b.aead(purpose)
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = version
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], plaintext, context)
}

// Open reverses Seal.
func (b *Box) Open(purpose string, sealed, context []byte) ([]byte, error) {
	aead := b.aead(purpose)
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], context)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func (b *Box) aead(purpose string) cipher.AEAD {
	c, err := aes.NewCipher(b.key("seal " + purpose))
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(c)
	if err != nil {
		panic(err)
	}
	return g
}

// MAC is HMAC-SHA256 of data under purpose's key: a stable pseudonym that
// only the key holder can compute.
func (b *Box) MAC(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, b.key("mac "+purpose))
	m.Write(data)
	return m.Sum(nil)
}

// Key is the derived key for purpose, for a library that takes a key
// itself (the mail sanitiser's pseudonyms).
func (b *Box) Key(purpose string) []byte {
	return append([]byte(nil), b.key("key "+strings.TrimSpace(purpose))...)
}
