package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashVerifyRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery", "パスワードは長いほうが良い", "", strings.Repeat("x", MaxBytes)} {
		enc, err := Hash(pw, Fast)
		if err != nil {
			t.Fatalf("Hash(%q): %v", pw, err)
		}
		ok, err := Verify(pw, enc)
		if err != nil || !ok {
			t.Errorf("Verify(%q, own hash) = %v, %v; want true, nil", pw, ok, err)
		}
	}
}

func TestHashDefaultFormat(t *testing.T) {
	enc, err := Hash("correct horse battery", Default)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(enc, prefix) {
		t.Fatalf("Hash = %q; want prefix %q", enc, prefix)
	}
	parts := strings.Split(enc, "$")
	// 16-byte salt and 32-byte key in unpadded base64.
	if len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("salt/key encoded lengths = %d/%d; want 22/43", len(parts[4]), len(parts[5]))
	}
	if NeedsRehash(enc, Default) {
		t.Error("NeedsRehash(Default hash, Default) = true")
	}
}

func TestHashSaltIsRandom(t *testing.T) {
	a, _ := Hash("same password", Fast)
	b, _ := Hash("same password", Fast)
	if a == b {
		t.Errorf("two hashes of the same password are identical: %q", a)
	}
}

// Reference output of the PHC winner's C implementation:
// echo -n password | argon2 somesalt -id -t 2 -m 16 -p 4 -l 32 -e
func TestVerifyReferenceVector(t *testing.T) {
	const enc = "$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	ok, err := Verify("password", enc)
	if err != nil || !ok {
		t.Fatalf("Verify(reference) = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := Verify("Password", enc); ok {
		t.Error("Verify accepted the wrong password against the reference hash")
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	enc, err := Hash("correct horse battery", Fast)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"correct horse batter", "Correct horse battery", "correct horse battery ", ""} {
		ok, err := Verify(pw, enc)
		if err != nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt = "c29tZXNhbHRzb21lc2FsdA" // 16 bytes
	const key = "GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo"
	tests := []struct {
		name, enc string
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"no leading dollar", "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"extra field", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$"},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"empty key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
		{"params reordered", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"params missing", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"params extra", "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key},
		{"params spaces", "$argon2id$v=19$m=64, t=1, p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"plus sign", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"hex", "$argon2id$v=19$m=0x40,t=1,p=1$" + salt + "$" + key},
		{"memory overflows uint32", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key},
		{"memory over 1 GiB", "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key},
		{"memory below 8*p", "$argon2id$v=19$m=31,t=1,p=4$" + salt + "$" + key},
		{"zero iterations", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"huge iterations", "$argon2id$v=19$m=64,t=100000,p=1$" + salt + "$" + key},
		{"zero parallelism", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"parallelism overflows uint8", "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key},
		{"parallelism too high", "$argon2id$v=19$m=4096,t=1,p=200$" + salt + "$" + key},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key},
		{"key too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAAAAAAAAA"},
		{"padded base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"url base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_")},
		{"non-canonical base64 tail", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "p"},
		{"newline in key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10] + "\n" + key[10:]},
		{"too long", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Verify("password", tt.enc)
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", tt.enc, ok, err)
			}
			if !NeedsRehash(tt.enc, Fast) {
				t.Errorf("NeedsRehash(%q) = false; want true for unparseable input", tt.enc)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	enc, err := Hash("correct horse battery", Fast)
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(enc, Fast) {
		t.Error("NeedsRehash(same params) = true")
	}
	for name, mutate := range map[string]func(*Params){
		"memory":      func(p *Params) { p.Memory *= 2 },
		"iterations":  func(p *Params) { p.Iterations++ },
		"parallelism": func(p *Params) { p.Parallelism++ },
		"salt length": func(p *Params) { p.SaltLen += 8 },
		"key length":  func(p *Params) { p.KeyLen += 8 },
	} {
		p := Fast
		mutate(&p)
		if !NeedsRehash(enc, p) {
			t.Errorf("NeedsRehash after changing %s = false; want true", name)
		}
	}
	if !NeedsRehash(enc, Default) {
		t.Error("NeedsRehash(Fast hash, Default) = false")
	}
}

func TestHashRejectsBadParams(t *testing.T) {
	for name, p := range map[string]Params{
		"zero":             {},
		"zero parallelism": {Memory: 64, Iterations: 1, SaltLen: 16, KeyLen: 32},
		"zero iterations":  {Memory: 64, Parallelism: 1, SaltLen: 16, KeyLen: 32},
		"tiny memory":      {Memory: 4, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32},
		"short salt":       {Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 4, KeyLen: 32},
		"short key":        {Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 4},
		"huge memory":      {Memory: 1<<20 + 1, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32},
	} {
		if enc, err := Hash("pw", p); err == nil {
			t.Errorf("Hash with %s params = %q, nil; want error", name, enc)
		}
	}
}

func TestFakeVerifyDoesNotPanic(t *testing.T) {
	FakeVerify("whatever", Fast)
	FakeVerify("whatever", Params{}) // falls back to Default
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrTooShort},
		{"9 ascii", "123456789", ErrTooShort},
		{"10 ascii", "1234567890", nil},
		// 9 kanji are 27 bytes but still too few characters.
		{"9 kanji", "日本語日本語日本語", ErrTooShort},
		{"10 kanji", "日本語日本語日本語日", nil},
		{"spaces count", "a b c d e ", nil},
		{"max bytes", strings.Repeat("a", MaxBytes), nil},
		{"over max bytes", strings.Repeat("a", MaxBytes+1), ErrTooLong},
		// 86 kanji = 258 bytes: the byte limit applies, not the rune count.
		{"over max bytes multibyte", strings.Repeat("漢", 86), ErrTooLong},
		{"invalid utf8", "abcdefghij\xff", ErrInvalid},
		{"truncated utf8", "abcdefghij\xe6\x97", ErrInvalid},
		{"invalid and long", strings.Repeat("\xff", MaxBytes+1), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Validate(tt.pw); got != tt.want {
				t.Errorf("Validate(%q) = %v; want %v", tt.pw, got, tt.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	good, err := Hash("password", Fast)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("password", good)
	f.Add("password", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$GpZ3sK/oH9p7VIiV56G/64Zo/8GaUw434IimaPqxwCo")
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("x", "$argon2id$v=19$m=,t=,p=$$")
	f.Add("x", "$$$$$")
	f.Add("x", "")
	f.Fuzz(func(t *testing.T, pw, enc string) {
		p, salt, key, err := decode(enc)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("decode(%q) error %v does not wrap ErrMalformedHash", enc, err)
			}
			if ok, verr := Verify(pw, enc); ok || verr == nil {
				t.Fatalf("Verify(%q) = %v, %v after decode failed", enc, ok, verr)
			}
			return
		}
		// Anything accepted must be canonical and within the DoS bounds.
		if re := encode(p, salt, key); re != enc {
			t.Fatalf("decode/encode not canonical:\n in: %q\nout: %q", enc, re)
		}
		if err := checkParams(p); err != nil {
			t.Fatalf("decode(%q) accepted out-of-range params: %v", enc, err)
		}
		// Only run argon2 for cheap params so fuzzing stays fast.
		if p.Memory <= 1024 && p.Iterations <= 2 {
			if _, err := Verify(pw, enc); err != nil {
				t.Fatalf("Verify(%q) = %v after decode succeeded", enc, err)
			}
		}
	})
}
