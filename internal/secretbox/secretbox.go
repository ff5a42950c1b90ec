// Package secretbox holds the master key that protects what mamori keeps
// secret at rest: reported mail is sealed with AES-256-GCM, and recipient
// pseudonyms are keyed HMACs, so the same recipient is linkable across
// reports without being revealed. Each use gets its own key derived from
// the master key (HKDF-SHA256 with the purpose as info), so a key leaked
// for one purpose says nothing about another.
package secretbox

import (
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
	"strings"
	"sync"

	"mamori/internal/config"
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
		return nil, errors.New("secretbox: the master key must be 32 bytes")
	}
	return &Box{master: append([]byte(nil), master...), keys: map[string][]byte{}}, nil
}

// Load takes the key from cfg.SecretKey, or from <DataDir>/keys/secret.key,
// creating that file (mode 0600, exclusively, so two servers starting on
// one data directory agree on one key) when it does not exist yet.
// Instances sharing a database must share the key: set MAMORI_SECRET_KEY
// on each, or share the data directory.
func Load(cfg config.Config) (*Box, error) {
	if cfg.SecretKey != "" {
		k, err := config.DecodeKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("secretbox: MAMORI_SECRET_KEY: %w", err)
		}
		return New(k)
	}
	dir := filepath.Join(cfg.DataDir, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	path := filepath.Join(dir, FileName)
	for range 2 {
		if b, err := os.ReadFile(path); err == nil {
			k, err := config.DecodeKey(string(b))
			if err != nil {
				return nil, fmt.Errorf("secretbox: %s: %w", path, err)
			}
			return New(k)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		k := make([]byte, 32)
		rand.Read(k)
		// The key is written whole to a private temporary file and then
		// linked into place, which fails if the name exists: a second
		// process starting at the same moment either wins the link or
		// reads a complete key, never an empty or half-written file.
		f, err := os.CreateTemp(dir, FileName+".*")
		if err != nil {
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		tmp := f.Name()
		_, werr := f.WriteString(hex.EncodeToString(k) + "\n")
		if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("secretbox: %w", err)
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
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		return New(k)
	}
	return nil, fmt.Errorf("secretbox: could not read or create %s", path)
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
var ErrOpen = errors.New("secretbox: cannot open the sealed value")

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
