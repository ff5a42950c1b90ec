package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

func keyFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dataDir, KeysDir, "declarations-*.key"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoadOrCreate(t *testing.T) {
	data := t.TempDir()
	kr, err := LoadOrCreate(data)
	if err != nil {
		t.Fatal(err)
	}
	id := kr.CurrentID()
	if len(id) != 16 {
		t.Fatalf("key id %q", id)
	}
	files := keyFiles(t, data)
	if len(files) != 1 || filepath.Base(files[0]) != "declarations-"+id+".key" {
		t.Fatalf("key files %v", files)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{filepath.Join(data, KeysDir): 0o700, files[0]: 0o600, filepath.Join(data, KeysDir, "current"): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s: mode %o, want %o", path, fi.Mode().Perm(), want)
			}
		}
	}
	// The file is ordinary PKCS#8 PEM whose public key has the id.
	b, _ := os.ReadFile(files[0])
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("not PKCS#8 PEM:\n%s", b)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(k.(ed25519.PrivateKey).Public().(ed25519.PublicKey)) != id {
		t.Fatal("file's key has another id")
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(filepath.Join(data, KeysDir))
	if len(entries) != 2 {
		t.Errorf("keys dir holds %d entries", len(entries))
	}

	// A second start loads the same key.
	kr2, err := LoadOrCreate(data)
	if err != nil {
		t.Fatal(err)
	}
	if kr2.CurrentID() != id || len(kr2.PublicKeys()) != 1 {
		t.Fatalf("reloaded %s, %d keys", kr2.CurrentID(), len(kr2.PublicKeys()))
	}
	msg := []byte(`{"a":1}`)
	sig, sid := kr.Sign(msg)
	if sid != id || !ed25519.Verify(kr2.PublicKeys()[0].Key, msg, sig) {
		t.Fatal("signature of the first keyring does not verify with the reloaded key")
	}
	if pk := kr2.PublicKeys()[0]; !pk.Current || pk.ID != id || KeyID(pk.Key) != id {
		t.Fatalf("public key %+v", pk)
	}
}

func TestLoadDoesNotCreate(t *testing.T) {
	data := t.TempDir()
	if _, err := Load(data); err == nil {
		t.Fatal("Load on an empty data dir succeeded")
	}
	os.Mkdir(filepath.Join(data, KeysDir), 0o700)
	if _, err := Load(data); err == nil {
		t.Fatal("Load on an empty keys dir succeeded")
	}
	if len(keyFiles(t, data)) != 0 {
		t.Fatal("Load created a key")
	}
}

func TestRotate(t *testing.T) {
	data := t.TempDir()
	kr, err := LoadOrCreate(data)
	if err != nil {
		t.Fatal(err)
	}
	old := kr.CurrentID()
	msg := []byte("before")
	oldSig, _ := kr.Sign(msg)
	id, err := kr.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if id == old || kr.CurrentID() != id {
		t.Fatalf("rotate: %s → %s (current %s)", old, id, kr.CurrentID())
	}
	_, sid := kr.Sign([]byte("after"))
	if sid != id {
		t.Fatalf("signs with %s after rotation", sid)
	}
	for _, k := range []*Keyring{kr, mustLoad(t, data)} {
		keys := k.PublicKeys()
		if len(keys) != 2 || keys[0].ID != id || !keys[0].Current || keys[1].ID != old || keys[1].Current {
			t.Fatalf("keys after rotation: %+v", keys)
		}
		if !ed25519.Verify(keys[1].Key, msg, oldSig) {
			t.Fatal("the old key no longer verifies what it signed")
		}
	}
}

func mustLoad(t *testing.T, data string) *Keyring {
	t.Helper()
	kr, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestKeyringRefusesBadFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	data := t.TempDir()
	kr, err := LoadOrCreate(data)
	if err != nil {
		t.Fatal(err)
	}
	path := keyFiles(t, data)[0]

	// Readable by others: refused with a PermissionError.
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620} {
		os.Chmod(path, mode)
		_, err := LoadOrCreate(data)
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Path != path {
			t.Fatalf("mode %o: %v", mode, err)
		}
	}
	os.Chmod(path, 0o600)
	if _, err := Load(data); err != nil {
		t.Fatal(err)
	}

	// A key under another key's name.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(other)
	fake := filepath.Join(data, KeysDir, "declarations-0000000000000000.key")
	os.WriteFile(fake, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if _, err := Load(data); err == nil {
		t.Fatal("a key under a wrong name was accepted")
	}
	// Not a key at all.
	os.WriteFile(fake, []byte("hello"), 0o600)
	if _, err := Load(data); err == nil {
		t.Fatal("garbage accepted")
	}
	os.Remove(fake)

	// The marker names a key that is not there.
	os.WriteFile(filepath.Join(data, KeysDir, "current"), []byte("ffffffffffffffff\n"), 0o600)
	if _, err := LoadOrCreate(data); err == nil {
		t.Fatal("a marker naming a missing key was accepted")
	}
	os.WriteFile(filepath.Join(data, KeysDir, "current"), []byte(kr.CurrentID()+"\n"), 0o600)
	if _, err := Load(data); err != nil {
		t.Fatal(err)
	}
}

// Several processes starting at once on a fresh shared data directory end
// up with one key.
func TestLoadOrCreateRace(t *testing.T) {
	data := t.TempDir()
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			kr, err := LoadOrCreate(data)
			errs[i] = err
			if err == nil {
				ids[i] = kr.CurrentID()
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("different current keys: %v", ids)
		}
	}
	if f := keyFiles(t, data); len(f) != 1 {
		t.Fatalf("%d key files", len(f))
	}
}

func TestKeyringConcurrentUse(t *testing.T) {
	kr, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				msg := []byte("m")
				sig, id := kr.Sign(msg)
				found := false
				for _, k := range kr.PublicKeys() {
					if k.ID == id {
						found = ed25519.Verify(k.Key, msg, sig)
					}
				}
				if !found {
					t.Error("signature not verifiable with the published keys")
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			if _, err := kr.Rotate(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if len(kr.PublicKeys()) != 4 {
		t.Fatalf("%d keys", len(kr.PublicKeys()))
	}
}
