package correlate

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzNormalize feeds arbitrary values of every kind to Normalize and
// NormalizeWarning: they must never panic, and what they accept must be
// canonical (a fixed point), bounded, storable and matchable.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "Taro@Example.CO.JP", "<info@例え.テスト>", "a@b", "@", "x@[203.0.113.1]", "203.0.113.7", "[2001:db8::1]",
		"::ffff:10.0.0.1", "fe80::1%eth0", "例え.テスト", "ＥＸＡＭＰＬＥ．ｃｏｍ", "xn--zz.com", "a..b", "my_site.example.com.",
		"203.0.113.0/24", "::ffff:1.2.3.0/120", strings.Repeat("AB", 32), emptySHA256,
		"Foxmail 7.2\x00invoice #", "\x00", "a\x00b\x00c", "\xff\xfe", "\u202eevil.com", "ß.de", "a\u200db.com",
	} {
		for k := range kinds {
			f.Add(uint8(k), s)
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, v string) {
		kind := kinds[int(k)%len(kinds)]
		if in, err := (Indicator{kind, v}).Normalize(); err == nil {
			checkCanonical(t, in)
			if _, err := NormalizeWarning(kind, in.Value); err != nil {
				t.Fatalf("accepted %v is no valid warning: %v", in, err)
			}
		}
		if w, err := NormalizeWarning(kind, v); err == nil {
			if again, err := NormalizeWarning(kind, w); err != nil || again != w {
				t.Fatalf("warning %s %q → %q → %q, %v", kind, v, w, again, err)
			}
			if !utf8.ValidString(w) || strings.ContainsRune(w, '\x1f') {
				t.Fatalf("warning %s %q → %q", kind, v, w)
			}
		}
	})
}

func checkCanonical(t *testing.T, in Indicator) {
	t.Helper()
	again, err := in.Normalize()
	if err != nil || again != in {
		t.Fatalf("%v is not a fixed point: %v, %v", in, again, err)
	}
	if !utf8.ValidString(in.Value) || in.Value == "" || len(in.Value) > maxMailer+1+maxTemplate {
		t.Fatalf("accepted %q", in.Value)
	}
	nuls := strings.Count(in.Value, "\x00")
	if in.Kind == MailerSubject && nuls != 1 || in.Kind != MailerSubject && nuls != 0 || strings.ContainsRune(in.Value, '\x1f') {
		t.Fatalf("accepted %q with stray separators", in.Value)
	}
	if fromStoreKey(storeKey(in)) != in {
		t.Fatalf("%v does not round-trip through the store", in)
	}
	if in.Kind != MailerSubject && strings.ContainsFunc(in.Value, unicode.IsSpace) {
		t.Fatalf("accepted %q with white space", in.Value)
	}
}

// FuzzSubjectTemplate checks the template's promises on any subject:
// bounded, printable, trimmed, free of digits, and a fixed point, so a
// template stored once compares equal to one made again.
func FuzzSubjectTemplate(f *testing.F) {
	for _, s := range []string{
		"【重要】3月分請求書のご確認（No.48213）", "RE: Fwd: [EXTERNAL] Invoice INV-2024-0012 for March",
		"山田太郎様　ご請求書送付の件", "株式会社ＡＢＣ 御中", "Dear John Smith, hi", "<a@b.c>様", "taro@example.co.jp様",
		"令和6年度 第三回", "[spam] [spam] [spam]", "Re: Re: Re:", "İİİ", "ﷺ", "\xff\x00\t", "** **", "【外部】【外部",
		"Hello Dear Hi Attn:", "様様様", "一一一月", "a@b@c.d", "<<<>>>", strings.Repeat("長い件名", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SubjectTemplate(s)
		if !utf8.ValidString(got) || len(got) > maxTemplate || got != strings.TrimSpace(got) || hasControl(got) ||
			strings.ContainsAny(got, "0123456789") || strings.Contains(got, "  ") {
			t.Fatalf("SubjectTemplate(%q) = %q", s, got)
		}
		if again := SubjectTemplate(got); again != got {
			t.Fatalf("not a fixed point: %q → %q → %q", s, got, again)
		}
		in, ok := MailerSubjectOf("Mailer 1.0", s)
		if ok != (got != "") {
			t.Fatalf("MailerSubjectOf(%q): %v with template %q", s, ok, got)
		}
		if ok {
			checkCanonical(t, in)
		}
	})
}
