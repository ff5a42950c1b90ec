package signing

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/masterkey"
)

func testBox(t *testing.T, b byte) *masterkey.Box {
	t.Helper()
	box, err := masterkey.New(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// writeFileRing writes a keyring the way older versions kept it in
// <data>/keys: n keys, the last one current.
func writeFileRing(t *testing.T, data string, n int) []ed25519.PrivateKey {
	t.Helper()
	dir := filepath.Join(data, KeysDir)
	os.MkdirAll(dir, 0o700)
	var out []ed25519.PrivateKey
	for range n {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		id := KeyID(priv.Public().(ed25519.PublicKey))
		if err := os.WriteFile(filepath.Join(dir, keyPrefix+id+keySuffix), pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, priv)
	}
	cur := KeyID(out[n-1].Public().(ed25519.PublicKey))
	os.WriteFile(filepath.Join(dir, currentFile), []byte(cur+"\n"), 0o600)
	return out
}

func count(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenKeyring(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		kr, err := Open(ctx, d, box, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		id := kr.CurrentID()
		if len(id) != 16 || len(kr.PublicKeys()) != 1 {
			t.Fatalf("key id %q, %d keys", id, len(kr.PublicKeys()))
		}
		// The private key is stored sealed: its seed is nowhere in the row.
		var sealed []byte
		d.QueryRowContext(ctx, `SELECT private_key FROM signing_keys WHERE id = ?`, id).Scan(&sealed)
		priv := kr.keys[id]
		if len(sealed) == 0 || bytes.Contains(sealed, priv.Seed()) {
			t.Fatal("the private key is stored in clear")
		}
		// Another instance (its own data directory) loads the same key.
		kr2, err := Open(ctx, d, box, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte(`{"a":1}`)
		sig, sid := kr.Sign(msg)
		if kr2.CurrentID() != id || sid != id || !ed25519.Verify(kr2.PublicKeys()[0].Key, msg, sig) {
			t.Fatal("a second instance has another key")
		}
		// Another master key cannot open the ring.
		if _, err := Open(ctx, d, testBox(t, 2), t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "master key does not open") {
			t.Fatalf("another master key: %v", err)
		}
		// The published keys are readable without the master key.
		pub, err := PublishedKeys(ctx, d.Read())
		if err != nil || len(pub) != 1 || pub[0].ID != id || !pub[0].Current {
			t.Fatalf("published: %+v %v", pub, err)
		}
	})
}

// Several instances starting at once on an empty database end with one
// current key, and no stray key is published.
func TestOpenKeyringRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		const n = 8
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				kr, err := Open(ctx, d, box, t.TempDir(), nil)
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
		if c := count(t, d, `SELECT COUNT(*) FROM signing_keys`); c != 1 {
			t.Fatalf("%d keys stored", c)
		}
	})
}

// A keyring of an older version, in the data directory, is imported at the
// first start: what its keys signed keeps verifying, its current key keeps
// signing. A second instance that had made its own keyring (the defect of
// several PostgreSQL instances) brings its keys in too, as retired keys, so
// records either signed verify against either instance's document.
func TestOpenImportsFileKeyring(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		dataA, dataB := t.TempDir(), t.TempDir()
		privA := writeFileRing(t, dataA, 2)
		privB := writeFileRing(t, dataB, 1)
		msg := []byte("signed before the upgrade")
		var sigs [][]byte
		for _, p := range append(append([]ed25519.PrivateKey{}, privA...), privB...) {
			sigs = append(sigs, ed25519.Sign(p, msg))
		}
		a, err := Open(ctx, d, box, dataA, nil)
		if err != nil {
			t.Fatal(err)
		}
		curA := KeyID(privA[1].Public().(ed25519.PublicKey))
		if a.CurrentID() != curA {
			t.Fatalf("current %s, want the file's %s", a.CurrentID(), curA)
		}
		b, err := Open(ctx, d, box, dataB, nil)
		if err != nil {
			t.Fatal(err)
		}
		if b.CurrentID() != curA {
			t.Fatalf("second instance signs with %s, want %s", b.CurrentID(), curA)
		}
		for _, kr := range []*Keyring{a, b} {
			if err := kr.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			keys := kr.PublicKeys()
			if len(keys) != 3 || keys[0].ID != curA || !keys[0].Current {
				t.Fatalf("keys %+v", keys)
			}
			for i, sig := range sigs {
				ok := false
				for _, k := range keys {
					ok = ok || ed25519.Verify(k.Key, msg, sig)
				}
				if !ok {
					t.Fatalf("signature %d of an imported key no longer verifies", i)
				}
			}
		}
		if c := count(t, d, `SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL`); c != 1 {
			t.Fatalf("%d keys not retired", c)
		}
		// A restart imports nothing twice.
		if _, err := Open(ctx, d, box, dataB, nil); err != nil {
			t.Fatal(err)
		}
		if c := count(t, d, `SELECT COUNT(*) FROM signing_keys`); c != 3 {
			t.Fatalf("%d keys after a restart", c)
		}
	})
}

func TestOpenRefusesBadKeyFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	d := dbtest.SQLite(t)
	ctx := context.Background()
	data := t.TempDir()
	priv := writeFileRing(t, data, 1)
	path := filepath.Join(data, KeysDir, keyPrefix+KeyID(priv[0].Public().(ed25519.PublicKey))+keySuffix)
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620} {
		os.Chmod(path, mode)
		_, err := Open(ctx, d, testBox(t, 1), data, nil)
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Path != path {
			t.Fatalf("mode %o: %v", mode, err)
		}
	}
	os.Chmod(path, 0o600)
	// A key under another key's name; garbage; a marker naming no key.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(other)
	fake := filepath.Join(data, KeysDir, "declarations-0000000000000000.key")
	for _, content := range [][]byte{pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), []byte("hello")} {
		os.WriteFile(fake, content, 0o600)
		if _, err := Open(ctx, d, testBox(t, 1), data, nil); err == nil {
			t.Fatal("a bad key file was accepted")
		}
	}
	os.Remove(fake)
	os.WriteFile(filepath.Join(data, KeysDir, currentFile), []byte("ffffffffffffffff\n"), 0o600)
	if _, err := Open(ctx, d, testBox(t, 1), data, nil); err == nil {
		t.Fatal("a marker naming a missing key was accepted")
	}
	if c := count(t, d, `SELECT COUNT(*) FROM signing_keys`); c != 0 {
		t.Fatalf("%d keys stored from a refused directory", c)
	}
}

// A rotation made through one instance (or the command) reaches the
// others on their next refresh; the old key stays published until revoked.
func TestRotateAndRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		a, err := Open(ctx, d, box, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(ctx, d, box, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		old := a.CurrentID()
		msg := []byte("before")
		oldSig, _ := a.Sign(msg)
		id, err := a.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if id == old || a.CurrentID() != id {
			t.Fatalf("rotate: %s → %s (current %s)", old, id, a.CurrentID())
		}
		if _, sid := a.Sign([]byte("after")); sid != id {
			t.Fatalf("signs with %s after rotation", sid)
		}
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		for _, k := range []*Keyring{a, b} {
			keys := k.PublicKeys()
			if len(keys) != 2 || keys[0].ID != id || !keys[0].Current || keys[1].ID != old || keys[1].Current {
				t.Fatalf("keys after rotation: %+v", keys)
			}
			if !ed25519.Verify(keys[1].Key, msg, oldSig) {
				t.Fatal("the old key no longer verifies what it signed")
			}
		}
		if err := a.Revoke(ctx, id); err == nil {
			t.Fatal("the current key was revoked")
		}
		if err := a.Revoke(ctx, "ffffffffffffffff"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown key: %v", err)
		}
		if err := a.Revoke(ctx, old); err != nil {
			t.Fatal(err)
		}
		b.Refresh(ctx)
		if len(a.PublicKeys()) != 1 || len(b.PublicKeys()) != 1 {
			t.Fatal("a revoked key is still published")
		}
	})
}

func TestKeyringConcurrentUse(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	kr, err := Open(ctx, d, testBox(t, 1), "", nil)
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
			if _, err := kr.Rotate(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if len(kr.PublicKeys()) != 4 {
		t.Fatalf("%d keys", len(kr.PublicKeys()))
	}
}

// Older versions told operators of several instances to copy one keys
// directory to every instance; after the upgrade they start at once on one
// database and import the same key files. Each import inserts the keys in
// one transaction: in map order, two imports on PostgreSQL waited for each
// other's rows in opposite orders and one instance failed to start with
// "deadlock detected".
func TestOpenImportsOneFileKeyringAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		for round := range 3 {
			data := t.TempDir()
			writeFileRing(t, data, 40)
			var handles []*db.DB
			if d.Dialect() == db.Postgres {
				handles = dbtest.PostgresShared(t, 4)
			} else {
				h := dbtest.SQLite(t)
				handles = []*db.DB{h, h, h, h}
			}
			errs := make([]error, len(handles))
			var wg sync.WaitGroup
			for i, h := range handles {
				wg.Go(func() {
					_, errs[i] = Open(ctx, h, box, data, nil)
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d, instance %d: %v", round, i, err)
				}
			}
			if c := count(t, handles[0], `SELECT COUNT(*) FROM signing_keys`); c != 40 {
				t.Fatalf("round %d: %d keys stored, want 40", round, c)
			}
		}
	})
}

// Refresh reads the keys and the current marker as one snapshot: read in
// two statements, a rotation committed between them by another instance
// made the periodic refresh fail ("the current key … is revoked or
// missing") and log an error although nothing was wrong.
func TestRefreshDuringRotation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		writer, err := Open(ctx, d, box, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		reader, err := Open(ctx, d, box, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		// Bounded work: 40 rotations, refreshes until they are done.
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(done)
			for range 40 {
				if _, err := writer.Rotate(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
		var failed error
	loop:
		for {
			select {
			case <-done:
				break loop
			default:
			}
			if err := reader.Refresh(ctx); err != nil {
				failed = err
				break
			}
		}
		wg.Wait()
		if failed != nil {
			t.Fatalf("a refresh during rotations: %v", failed)
		}
	})
}

// Key files without a current marker (an older version stopped between
// writing a key and its marker) are imported with a new key made current.
// When several instances did that at once on an empty database, the
// losers' transactions were rolled back whole, their imported keys with
// them: records those keys signed no longer verified until a restart.
func TestOpenImportsUnmarkedKeysAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := testBox(t, 1)
		handles := []*db.DB{d, d, d, d}
		if d.Dialect() == db.Postgres {
			handles = dbtest.PostgresShared(t, 4)
		}
		dirs := make([]string, len(handles))
		for i := range dirs {
			dirs[i] = t.TempDir()
			writeFileRing(t, dirs[i], 2)
			os.Remove(filepath.Join(dirs[i], KeysDir, currentFile))
		}
		errs := make([]error, len(handles))
		var wg sync.WaitGroup
		for i, h := range handles {
			wg.Go(func() { _, errs[i] = Open(ctx, h, box, dirs[i], nil) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
		}
		// 2 imported per instance and the one new current key.
		if c := count(t, handles[0], `SELECT COUNT(*) FROM signing_keys`); c != 2*len(handles)+1 {
			t.Fatalf("%d keys stored, want %d", c, 2*len(handles)+1)
		}
	})
}
