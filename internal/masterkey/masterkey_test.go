package masterkey

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func TestSealOpen(t *testing.T) {
	b, _ := New(bytes.Repeat([]byte{7}, 32))
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	msg := []byte("Subject: =?ISO-2022-JP?B?...?=\r\n\r\n本文")
	s := b.Seal("mail", msg, []byte("report-1"))
	if bytes.Contains(s, []byte("本文")) || len(s) != 1+12+len(msg)+16 {
		t.Fatalf("sealed value leaks or has the wrong size: %d", len(s))
	}
	if got, err := b.Open("mail", s, []byte("report-1")); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("open: %q %v", got, err)
	}
	// Another row, another purpose, another key, a flipped bit, a
	// truncated value: all refused alike.
	flip := append([]byte(nil), s...)
	flip[len(flip)-1] ^= 1
	for name, try := range map[string]func() ([]byte, error){
		"context":  func() ([]byte, error) { return b.Open("mail", s, []byte("report-2")) },
		"purpose":  func() ([]byte, error) { return b.Open("notes", s, []byte("report-1")) },
		"key":      func() ([]byte, error) { return other.Open("mail", s, []byte("report-1")) },
		"tampered": func() ([]byte, error) { return b.Open("mail", flip, []byte("report-1")) },
		"short":    func() ([]byte, error) { return b.Open("mail", s[:10], []byte("report-1")) },
		"empty":    func() ([]byte, error) { return b.Open("mail", nil, nil) },
	} {
		if _, err := try(); err != ErrOpen {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	// Two seals of the same text differ (random nonce).
	if bytes.Equal(s, b.Seal("mail", msg, []byte("report-1"))) {
		t.Fatal("nonce reused")
	}
}

func TestMACAndKeys(t *testing.T) {
	b, _ := New(bytes.Repeat([]byte{1}, 32))
	c, _ := New(bytes.Repeat([]byte{2}, 32))
	if !bytes.Equal(b.MAC("recipient", []byte("a@example.jp")), b.MAC("recipient", []byte("a@example.jp"))) {
		t.Fatal("MAC not stable")
	}
	if bytes.Equal(b.MAC("recipient", []byte("a@example.jp")), c.MAC("recipient", []byte("a@example.jp"))) ||
		bytes.Equal(b.MAC("recipient", []byte("a@example.jp")), b.MAC("other", []byte("a@example.jp"))) {
		t.Fatal("MAC does not depend on key and purpose")
	}
	if bytes.Equal(b.Key("pseudonym"), b.Key("seal")) || len(b.Key("pseudonym")) != 32 {
		t.Fatal("derived keys")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("a short master key was accepted")
	}
}

func TestOpen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		cfg := config.Config{DataDir: dir}
		// Concurrent first starts agree on one key file and one key check.
		var wg sync.WaitGroup
		boxes := make([]*Box, 8)
		for i := range boxes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if boxes[i], err = Open(ctx, cfg, d, nil); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		sealed := boxes[0].Seal("mail", []byte("x"), nil)
		for _, b := range boxes {
			if _, err := b.Open("mail", sealed, nil); err != nil {
				t.Fatal("instances disagree on the key")
			}
		}
		fi, err := os.Stat(Path(dir))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", fi, err)
		}
		// Another key, from the environment, does not open the database's
		// key check: the start is refused, with a message saying what to do.
		_, err = Open(ctx, config.Config{DataDir: dir, SecretKey: strings.Repeat("ab", 32)}, d, nil)
		if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "MAMORI_SECRET_KEY to the same value on every instance") {
			t.Fatalf("another master key: %v", err)
		}
		// The same key from the environment, in another data directory
		// (a second instance), is accepted.
		b, _ := os.ReadFile(Path(dir))
		other := t.TempDir()
		env, err := Open(ctx, config.Config{DataDir: other, SecretKey: strings.TrimSpace(string(b))}, d, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Open("mail", sealed, nil); err != nil {
			t.Fatal("the same key from MAMORI_SECRET_KEY does not open")
		}
		if _, err := os.Stat(Path(other)); err == nil {
			t.Fatal("a key file was written although MAMORI_SECRET_KEY is set")
		}
		if _, err := Open(ctx, config.Config{DataDir: dir, SecretKey: "too short"}, d, nil); err == nil {
			t.Fatal("a bad MAMORI_SECRET_KEY was accepted")
		}
		// An instance with neither (a lost or forgotten keys/): refused,
		// never a fresh key; and it leaves no key file behind.
		_, err = Open(ctx, config.Config{DataDir: other}, d, nil)
		var nk *NoKeyError
		if !errors.As(err, &nk) || !strings.Contains(err.Error(), "no master key is configured") {
			t.Fatalf("no key: %v", err)
		}
		if _, err := os.Stat(Path(other)); err == nil {
			t.Fatal("a refused start left a key file")
		}
		// A key file others may read is refused.
		if runtime.GOOS != "windows" {
			os.Chmod(Path(dir), 0o644)
			if _, err := Open(ctx, cfg, d, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("a key file readable by others: %v", err)
			}
			os.Chmod(Path(dir), 0o600)
			if _, err := Open(ctx, cfg, d, nil); err != nil {
				t.Fatal(err)
			}
		}
		// A damaged key file is an error, never silently replaced.
		os.WriteFile(Path(dir), []byte("garbage"), 0o600)
		if _, err := Open(ctx, cfg, d, nil); err == nil {
			t.Fatal("a damaged key file was accepted")
		}
	})
}

// A database from before the key check (or one whose key check was lost)
// that holds sealed rows is not given a fresh key either: that is how a
// restored data directory used to lose its sealed mail.
func TestOpenRefusesNewKeyForSealedData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE sealed_things (x TEXT)`); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, config.Config{DataDir: t.TempDir()}, d, []string{"sealed_things"}); err != nil {
			t.Fatalf("an empty table must not block a first start: %v", err)
		}
		d.ExecContext(ctx, `DELETE FROM key_check`)
		d.ExecContext(ctx, `INSERT INTO sealed_things (x) VALUES ('sealed')`)
		dir := t.TempDir()
		_, err := Open(ctx, config.Config{DataDir: dir}, d, []string{"sealed_things"})
		var nk *NoKeyError
		if !errors.As(err, &nk) || nk.Found != "sealed_things" {
			t.Fatalf("got %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "keys", FileName)); err == nil {
			t.Fatal("a key file was made")
		}
	})
}
