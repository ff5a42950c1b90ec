// Package signing signs public records with Ed25519 so that anyone can check
// them offline: a keyring kept in the data directory, the RFC 8785 (JCS)
// canonical form that is signed, and verification of saved responses
// (docs/verification.md).
package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Layout of the keyring inside the data directory.
const (
	KeysDir     = "keys"
	keyPrefix   = "declarations-"
	keySuffix   = ".key"
	currentFile = "current"
	pemType     = "PRIVATE KEY" // PKCS#8
)

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

// Keyring holds the signing keys: the current one signs, every one is
// published. It is safe for concurrent use.
type Keyring struct {
	dir string // the keys directory

	mu      sync.RWMutex
	keys    map[string]ed25519.PrivateKey
	current string
}

// LoadOrCreate opens the keyring in <dataDir>/keys, creating the directory
// (mode 0700) and a first key when there is none. Key files are
// declarations-<keyid>.key (PKCS#8 PEM, mode 0600); the file "current"
// holds the id of the key that signs.
func LoadOrCreate(dataDir string) (*Keyring, error) {
	dir := filepath.Join(dataDir, KeysDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	kr, err := load(dir)
	if err != nil {
		return nil, err
	}
	if kr.current != "" {
		return kr, nil
	}
	// First start (or a start after a crash between writing a key and its
	// marker: such a key file stays in the ring, published but unused).
	// Another process may be doing the same on a shared data directory:
	// the "current" marker is created exclusively, so exactly one key wins
	// and the loser drops its own and loads the winner's.
	id, _, err := writeNewKey(dir)
	if err != nil {
		return nil, err
	}
	if err := writeCurrent(dir, id, true); err != nil {
		if errors.Is(err, fs.ErrExist) {
			os.Remove(filepath.Join(dir, keyPrefix+id+keySuffix))
			return Load(dataDir)
		}
		return nil, err
	}
	return load(dir)
}

// Load opens an existing keyring in <dataDir>/keys and fails when there is
// none; it never creates a key.
func Load(dataDir string) (*Keyring, error) {
	dir := filepath.Join(dataDir, KeysDir)
	kr, err := load(dir)
	if err != nil {
		return nil, err
	}
	if kr.current == "" {
		return nil, fmt.Errorf("signing: no keyring in %s (the server creates one at first start)", dir)
	}
	return kr, nil
}

// load reads every key file and the current marker; a missing marker leaves
// current empty.
func load(dir string) (*Keyring, error) {
	// The marker is read before the listing: a key file is always written
	// before a marker names it, so reading in this order never sees a
	// marker whose key is missing from the listing, even while another
	// process is creating the first key (it did, read the other way round).
	b, markerErr := os.ReadFile(filepath.Join(dir, currentFile))
	if markerErr != nil && !errors.Is(markerErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("signing: %w", markerErr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	kr := &Keyring{dir: dir, keys: map[string]ed25519.PrivateKey{}}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, keyPrefix) || !strings.HasSuffix(name, keySuffix) {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(name, keyPrefix), keySuffix)
		priv, err := readKey(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // dropped by a process that lost the first-start race
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
		return kr, nil // no marker yet
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

// writeNewKey generates a key and stores it under its id.
func writeNewKey(dir string) (string, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, fmt.Errorf("signing: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", nil, fmt.Errorf("signing: %w", err)
	}
	id := KeyID(pub)
	data := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der})
	if err := writeFile(dir, keyPrefix+id+keySuffix, data, false); err != nil {
		return "", nil, err
	}
	return id, priv, nil
}

// writeCurrent points the marker at id. With exclusive it fails with
// fs.ErrExist when a marker is already there.
func writeCurrent(dir, id string, exclusive bool) error {
	return writeFile(dir, currentFile, []byte(id+"\n"), exclusive)
}

// writeFile writes name in dir atomically, mode 0600: a temporary file is
// written and synced, then renamed (or, when exclusive, hard-linked, which
// fails when name exists) into place.
func writeFile(dir, name string, data []byte, exclusive bool) error {
	tmp, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("signing: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("signing: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("signing: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	target := filepath.Join(dir, name)
	if exclusive {
		err = os.Link(tmp.Name(), target)
	} else {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("signing: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable; failure is not fatal (some file systems
// cannot sync directories).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Dir is the keys directory.
func (kr *Keyring) Dir() string { return kr.dir }

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

// PublicKeys lists every key of the ring, the current one first, the others
// by id.
func (kr *Keyring) PublicKeys() []PublicKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	out := make([]PublicKey, 0, len(kr.keys))
	for id, priv := range kr.keys {
		out = append(out, PublicKey{ID: id, Key: priv.Public().(ed25519.PublicKey), Current: id == kr.current})
	}
	slices.SortFunc(out, func(a, b PublicKey) int {
		if a.Current != b.Current {
			if a.Current {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Rotate creates a new key and makes it current. The previous keys stay in
// the ring and stay published, so records they signed still verify. A
// server that did not do the rotation itself picks the new key up when it
// restarts (docs/verification.md).
func (kr *Keyring) Rotate() (newID string, err error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	id, priv, err := writeNewKey(kr.dir)
	if err != nil {
		return "", err
	}
	if err := writeCurrent(kr.dir, id, false); err != nil {
		return "", err
	}
	kr.keys[id] = priv
	kr.current = id
	return id, nil
}
