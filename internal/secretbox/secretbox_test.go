package secretbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mamori/internal/config"
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

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Config{DataDir: dir}
	// Concurrent first starts agree on one key file.
	var wg sync.WaitGroup
	boxes := make([]*Box, 8)
	for i := range boxes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if boxes[i], err = Load(cfg); err != nil {
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
	fi, err := os.Stat(filepath.Join(dir, "keys", FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	// The environment's key wins over the file.
	hex := strings.Repeat("ab", 32)
	env, err := Load(config.Config{DataDir: dir, SecretKey: hex})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Open("mail", sealed, nil); err == nil {
		t.Fatal("MAMORI_SECRET_KEY ignored")
	}
	if _, err := Load(config.Config{DataDir: dir, SecretKey: "too short"}); err == nil {
		t.Fatal("a bad MAMORI_SECRET_KEY was accepted")
	}
	// A damaged key file is an error, never silently replaced.
	os.WriteFile(filepath.Join(dir, "keys", FileName), []byte("garbage"), 0o600)
	if _, err := Load(cfg); err == nil {
		t.Fatal("a damaged key file was accepted")
	}
}
