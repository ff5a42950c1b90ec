// Package signing signs public records with Ed25519 so that anyone can check
// them offline: a keyring kept in the database (private keys sealed with the
// deployment's master key, so every instance signs with the same keys), the
// RFC 8785 (JCS)
// canonical form that is signed, and verification of saved responses
// (docs/verification.md).
package signing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"mamori/internal/db"
	"mamori/internal/masterkey"
)

// Layout of the keyring of older versions inside the data directory; such a
// keyring is imported into the database at start.
const (
	KeysDir     = "keys"
	keyPrefix   = "declarations-"
	keySuffix   = ".key"
	currentFile = "current"
	pemType     = "PRIVATE KEY" // PKCS#8
)

// LegacyFile says whether name is a file of an older version's keyring in
// the keys directory: a key file (id is its key id) or the current marker
// (id is "").
func LegacyFile(name string) (id string, ok bool) {
	if name == currentFile {
		return "", true
	}
	if strings.HasPrefix(name, keyPrefix) && strings.HasSuffix(name, keySuffix) && len(name) > len(keyPrefix)+len(keySuffix) {
		return strings.TrimSuffix(strings.TrimPrefix(name, keyPrefix), keySuffix), true
	}
	return "", false
}

// sealPurpose seals private keys (masterkey), the key id as context.
const sealPurpose = "signing key"

// PublicKey is one verification key.
type PublicKey struct {
	ID  string
	Key ed25519.PublicKey
	// Current marks the key new records are signed with; the others are
	// kept so that records signed before a rotation still verify.
	Current bool
}

// KeyID names a public key: the first 16 hex digits of the SHA-256 of its
// raw 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// PermissionError reports a private key file that others than its owner
// may read or write. The keyring refuses to use it.
type PermissionError struct {
	Path string
	Mode fs.FileMode
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("signing key %s has mode %04o: group and others must have no access (chmod 600 %s)", e.Path, e.Mode.Perm(), e.Path)
}

// Keyring holds the signing keys: the current one signs, every one not
// revoked is published. It is safe for concurrent use.
type Keyring struct {
	d   *db.DB
	box *masterkey.Box

	mu      sync.RWMutex
	keys    map[string]ed25519.PrivateKey
	current string
}

// Open loads the deployment's keyring from the database, creating it on
// the first start. Keys found in <dataDir>/keys (the files of older
// versions, or of instances that each made their own) are imported first:
// records they signed keep verifying. Two instances starting at once on an
// empty database end with one current key: the marker naming it is one
// row, and the start whose insert does nothing drops its own new key.
func Open(ctx context.Context, d *db.DB, box *masterkey.Box, dataDir string, log *slog.Logger) (*Keyring, error) {
	kr := &Keyring{d: d, box: box}
	files := &fileRing{keys: map[string]ed25519.PrivateKey{}}
	if dataDir != "" {
		dir := filepath.Join(dataDir, KeysDir)
		if _, err := os.Stat(dir); err == nil {
			if files, err = loadFiles(dir); err != nil {
				return nil, err
			}
		}
	}
	imported, err := kr.ensure(ctx, files)
	if errors.Is(err, errLost) {
		// Another instance made the first key while this one imported:
		// the rollback took this one's imports too; now that a current
		// key exists, importing again cannot lose.
		imported, err = kr.ensure(ctx, files)
	}
	if err != nil {
		return nil, err
	}
	if imported > 0 && log != nil {
		log.Info("declaration signing keys imported from the data directory into the database; the key files are no longer used (remove them once a backup holds the database)",
			"keys", imported, "dir", filepath.Join(dataDir, KeysDir))
	}
	if err := kr.Refresh(ctx); err != nil {
		return nil, err
	}
	return kr, nil
}

// Ephemeral is a keyring with one fresh key held in memory only, for
// tests and tools that sign without a store; Rotate works on it in memory.
func Ephemeral() (*Keyring, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	id := KeyID(pub)
	return &Keyring{keys: map[string]ed25519.PrivateKey{id: priv}, current: id}, nil
}

// errLost rolls back a first start whose new key lost to another's.
var errLost = errors.New("signing: another instance made the first key")

// ensure imports files' keys and makes sure a current key exists; it
// returns how many keys it imported.
func (kr *Keyring) ensure(ctx context.Context, files *fileRing) (imported int, err error) {
	err = kr.d.InTx(ctx, func(tx *db.Tx) error {
		imported = 0
		now := db.Now()
		// In key-id order: instances importing one copied keys directory
		// at once then take the rows' locks in the same order, instead of
		// each waiting for the other (PostgreSQL: "deadlock detected").
		for _, id := range slices.Sorted(maps.Keys(files.keys)) {
			priv := files.keys[id]
			var retired *time.Time
			if id != files.current {
				retired = &now
			}
			n, err := kr.insertKey(ctx, tx, id, priv, now, retired)
			if err != nil {
				return err
			}
			imported += n
		}
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT key_id FROM signing_current WHERE id = 1`).Scan(&cur)
		if err != nil && !errors.Is(db.Classify(err), db.ErrNotFound) {
			return err
		}
		cand, generated := files.current, false
		if cur != "" {
			cand = ""
		} else if cand == "" {
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			cand, generated = KeyID(pub), true
			if _, err := kr.insertKey(ctx, tx, cand, priv, now, nil); err != nil {
				return err
			}
		}
		if cand != "" {
			res, err := tx.ExecContext(ctx, `INSERT INTO signing_current (id, key_id) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, cand)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return nil
			}
			if generated {
				return errLost
			}
		}
		// Another keyring is current: the imported current key only
		// verifies from now on.
		if files.current != "" {
			_, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ? WHERE id = ? AND retired_at IS NULL
				AND id <> (SELECT key_id FROM signing_current WHERE id = 1)`, now, files.current)
			return err
		}
		return nil
	})
	if errors.Is(err, errLost) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("signing: %w", err)
	}
	return imported, nil
}

// insertKey stores a key unless its id is there already; it reports how
// many rows it added.
func (kr *Keyring) insertKey(ctx context.Context, q db.Querier, id string, priv ed25519.PrivateKey, now time.Time, retired *time.Time) (int, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return 0, err
	}
	res, err := q.ExecContext(ctx, `INSERT INTO signing_keys (id, public_key, private_key, created_at, retired_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, id, []byte(priv.Public().(ed25519.PublicKey)), kr.box.Seal(sealPurpose, der, []byte(id)), now, retired)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Refresh reloads the keyring from the database, so a rotation made by
// another instance or by the command is picked up without a restart.
func (kr *Keyring) Refresh(ctx context.Context) error {
	if kr.d == nil {
		return nil
	}
	// One statement, so one snapshot: read apart, a rotation committed
	// between the two reads gave a current key missing from the keys
	// (a start failed, a refresh logged a false error).
	rows, err := kr.d.Read().QueryContext(ctx, `SELECT k.id, k.public_key, k.private_key, c.key_id
		FROM signing_keys k CROSS JOIN signing_current c WHERE c.id = 1 AND k.revoked_at IS NULL`)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer rows.Close()
	keys := map[string]ed25519.PrivateKey{}
	var cur string
	for rows.Next() {
		var id string
		var pub, sealed []byte
		if err := rows.Scan(&id, &pub, &sealed, &cur); err != nil {
			return fmt.Errorf("signing: %w", err)
		}
		der, err := kr.box.Open(sealPurpose, sealed, []byte(id))
		if err != nil {
			return fmt.Errorf("signing: the master key does not open signing key %s", id)
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		priv, ok := k.(ed25519.PrivateKey)
		if err != nil || !ok {
			return fmt.Errorf("signing: key %s is not an Ed25519 key", id)
		}
		if got := priv.Public().(ed25519.PublicKey); !got.Equal(ed25519.PublicKey(pub)) || KeyID(got) != id {
			return fmt.Errorf("signing: key %s does not match its public key or id", id)
		}
		keys[id] = priv
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if cur == "" {
		return fmt.Errorf("signing: no current key: %w", db.ErrNotFound)
	}
	if _, ok := keys[cur]; !ok {
		return fmt.Errorf("signing: the current key %s is revoked or missing", cur)
	}
	kr.mu.Lock()
	kr.keys, kr.current = keys, cur
	kr.mu.Unlock()
	return nil
}

// Watch refreshes the keyring every interval until ctx ends; a failed
// refresh keeps the keys already loaded.
func (kr *Keyring) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := kr.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Error("signing keyring refresh", "err", err)
			}
		}
	}
}

// PublishedKeys reads the published public keys from the database without
// the master key (the operator's offline check, `verify-declaration
// --data-dir`).
func PublishedKeys(ctx context.Context, q db.Querier) ([]PublicKey, error) {
	var cur string
	if err := q.QueryRowContext(ctx, `SELECT key_id FROM signing_current WHERE id = 1`).Scan(&cur); err != nil {
		return nil, fmt.Errorf("signing: no keyring in the database (the server creates one at first start): %w", db.Classify(err))
	}
	out, err := db.Collect(ctx, q, func(r db.Scanner) (PublicKey, error) {
		var k PublicKey
		var pub []byte
		err := r.Scan(&k.ID, &pub)
		k.Key, k.Current = ed25519.PublicKey(pub), k.ID == cur
		return k, err
	}, `SELECT id, public_key FROM signing_keys WHERE revoked_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	sortKeys(out)
	return out, nil
}

// fileRing is a keyring of older versions read from a keys directory.
type fileRing struct {
	keys    map[string]ed25519.PrivateKey
	current string
}

// loadFiles reads every key file and the current marker; a missing marker
// leaves current empty.
func loadFiles(dir string) (*fileRing, error) {
	b, markerErr := os.ReadFile(filepath.Join(dir, currentFile))
	if markerErr != nil && !errors.Is(markerErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("signing: %w", markerErr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	kr := &fileRing{keys: map[string]ed25519.PrivateKey{}}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, keyPrefix) || !strings.HasSuffix(name, keySuffix) {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(name, keyPrefix), keySuffix)
		priv, err := readKey(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if got := KeyID(priv.Public().(ed25519.PublicKey)); got != id {
			return nil, fmt.Errorf("signing: %s holds key %s, not the one its name says", filepath.Join(dir, name), got)
		}
		kr.keys[id] = priv
	}
	if markerErr != nil {
		return kr, nil // no marker
	}
	cur := strings.TrimSpace(string(b))
	if _, ok := kr.keys[cur]; !ok {
		return nil, fmt.Errorf("signing: %s names key %q, but %s has no file %s", filepath.Join(dir, currentFile), cur, dir, keyPrefix+cur+keySuffix)
	}
	kr.current = cur
	return kr, nil
}

func readKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, &PermissionError{Path: path, Mode: fi.Mode()}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != pemType {
		return nil, fmt.Errorf("signing: %s is not a PEM %q block", path, pemType)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing: %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing: %s holds a %T, not an Ed25519 key", path, k)
	}
	return priv, nil
}

// CurrentID is the id of the key that signs.
func (kr *Keyring) CurrentID() string {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.current
}

// Sign signs msg with the current key and names that key.
func (kr *Keyring) Sign(msg []byte) (sig []byte, keyID string) {
	kr.mu.RLock()
	priv, id := kr.keys[kr.current], kr.current
	kr.mu.RUnlock()
	return ed25519.Sign(priv, msg), id
}

// PublicKeys lists every published key of the ring, the current one
// first, the others by id.
func (kr *Keyring) PublicKeys() []PublicKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	out := make([]PublicKey, 0, len(kr.keys))
	for id, priv := range kr.keys {
		out = append(out, PublicKey{ID: id, Key: priv.Public().(ed25519.PublicKey), Current: id == kr.current})
	}
	sortKeys(out)
	return out
}

func sortKeys(out []PublicKey) {
	slices.SortFunc(out, func(a, b PublicKey) int {
		if a.Current != b.Current {
			if a.Current {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// Rotate creates a new key and makes it current. The previous keys stay in
// the ring and stay published, so records they signed still verify. The
// other instances pick the new key up within a minute (Watch).
func (kr *Keyring) Rotate(ctx context.Context) (newID string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	id := KeyID(pub)
	if kr.d == nil {
		kr.mu.Lock()
		kr.keys[id], kr.current = priv, id
		kr.mu.Unlock()
		return id, nil
	}
	err = kr.d.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := kr.insertKey(ctx, tx, id, priv, now, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL AND id <> ?`, now, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE signing_current SET key_id = ? WHERE id = 1`, id)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return id, kr.Refresh(ctx)
}

// Revoke withdraws a key that no longer signs from the published key
// document (after a leak): records it signed no longer verify against a
// freshly fetched document. The current key cannot be revoked; rotate
// first. db.ErrNotFound when no such published key exists.
func (kr *Keyring) Revoke(ctx context.Context, id string) error {
	if id == kr.CurrentID() {
		return fmt.Errorf("signing: %s is the current key: rotate first, then revoke it", id)
	}
	if kr.d == nil {
		kr.mu.Lock()
		defer kr.mu.Unlock()
		if _, ok := kr.keys[id]; !ok {
			return fmt.Errorf("signing: no published key %s other than the current one: %w", id, db.ErrNotFound)
		}
		delete(kr.keys, id)
		return nil
	}
	now := db.Now()
	res, err := kr.d.ExecContext(ctx, `UPDATE signing_keys SET revoked_at = ?, retired_at = COALESCE(retired_at, ?)
		WHERE id = ? AND revoked_at IS NULL AND id <> (SELECT key_id FROM signing_current WHERE id = 1)`, now, now, id)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("signing: no published key %s other than the current one: %w", id, db.ErrNotFound)
	}
	return kr.Refresh(ctx)
}
