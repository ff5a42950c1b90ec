package declaration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/org/orgtest"
	"mamori/internal/signing"
	"mamori/internal/web"
)

// publicHarness serves PublicRoutes through a real router, anonymously.
type publicHarness struct {
	t  *testing.T
	s  *Service
	kr *signing.Keyring
	h  http.Handler
}

func newPublicHarness(t *testing.T, d *db.DB) *publicHarness {
	t.Helper()
	s := newTestService(t, d)
	s.Now = fixedNow(time.Date(2026, 5, 1, 9, 30, 15, 123456789, time.UTC))
	kr, err := signing.Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	eh := &web.ErrorHandler{Log: s.Log, Catalog: s.Catalog, Render: s.Render}
	rt := web.NewRouter(eh)
	s.PublicRoutes(rt, kr, "https://mamori.example.jp/")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := "ja"
		if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
			lang = q
		}
		rt.ServeHTTP(w, r.WithContext(web.WithLang(r.Context(), lang)))
	})
	return &publicHarness{t: t, s: s, kr: kr, h: h}
}

func (ph *publicHarness) get(path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	ph.h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

// save stores a response body as a partner would.
func (ph *publicHarness) save(w *httptest.ResponseRecorder, name string) string {
	ph.t.Helper()
	path := filepath.Join(ph.t.TempDir(), name)
	if err := os.WriteFile(path, w.Body.Bytes(), 0o644); err != nil {
		ph.t.Fatal(err)
	}
	return path
}

// declared creates an organisation with a one-star declaration.
func declared(t *testing.T, d *db.DB, s *Service, email string, in org.CreateInput) *Declaration {
	t.Helper()
	ctx := context.Background()
	u := orgtest.NewUser(t, d, email)
	o, err := (&org.Service{DB: d}).Create(ctx, d, nil, u, in)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := s.DeclareOneStar(ctx, nil, o.ID, o.Name, u, fullInput("山田 太郎"))
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

func TestPublicRecordSignedAndVerified(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ph := newPublicHarness(t, d)
		ph.s.Now = fixedNow(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
		dec := declared(t, d, ph.s, "owner@example.jp", org.CreateInput{Name: "A&B <山田精機> 株式会社", Prefecture: "13", CorporateNumber: "7000012050002"})
		plain := declared(t, d, ph.s, "plain@example.jp", org.CreateInput{Name: "個人商店"})
		ph.s.Now = fixedNow(time.Date(2026, 5, 1, 9, 30, 15, 123456789, time.UTC))

		w := ph.get("/api/v1/declarations/" + dec.Number)
		expect(t, w, http.StatusOK)
		if ct, cc, cors := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"), w.Header().Get("Access-Control-Allow-Origin"); ct != "application/json; charset=utf-8" || cc != "no-store" || cors != "*" {
			t.Errorf("headers %q %q %q", ct, cc, cors)
		}
		var env signing.Envelope
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		if env.KeyID != ph.kr.CurrentID() {
			t.Errorf("key id %q, want %q", env.KeyID, ph.kr.CurrentID())
		}
		if sig, err := base64.StdEncoding.DecodeString(env.Signature); err != nil || len(sig) != 64 {
			t.Errorf("signature %q", env.Signature)
		}
		// The record is embedded exactly in its canonical form.
		want := `{"corporate_number":"7000012050002","declared_at":"2026-04-01T00:00:00Z","issuer":"https://mamori.example.jp","name":"A&B <山田精機> 株式会社",` +
			`"number":"` + dec.Number + `","policy_url":"","prefecture":"13","signed_at":"2026-05-01T09:30:15Z","stars":1,"status":"active","updated_at":"2026-04-01T00:00:00Z"}`
		if string(env.Record) != want {
			t.Fatalf("record\n got %s\nwant %s", env.Record, want)
		}
		if !bytes.Contains(w.Body.Bytes(), []byte(want)) {
			t.Fatalf("response does not carry the canonical bytes:\n%s", w.Body.String())
		}

		// Round trip: the saved response verifies offline with the saved
		// key document.
		kw := ph.get(KeysPath)
		keys, err := signing.ReadKeysFile(ph.save(kw, "keys.json"))
		if err != nil {
			t.Fatal(err)
		}
		path := ph.save(w, "decl.json")
		rec, err := VerifyFile(path, keys)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Number != dec.Number || rec.Name != "A&B <山田精機> 株式会社" || rec.Stars != 1 || !rec.Active() || rec.Prefecture != "13" ||
			rec.CorporateNumber != "7000012050002" || rec.Issuer != "https://mamori.example.jp" || rec.SignedAt != "2026-05-01T09:30:15Z" {
			t.Fatalf("verified record %+v", rec)
		}
		// … and with the command.
		var out, errb bytes.Buffer
		keysPath := ph.save(kw, "keys.json")
		if code := signing.VerifyCommand([]string{"--key-file", keysPath, path}, &out, &errb, nil); code != 0 ||
			out.String() != "valid: "+dec.Number+" A&B <山田精機> 株式会社 1 active (key "+ph.kr.CurrentID()+")\n" {
			t.Errorf("command: %d %q %q", code, out.String(), errb.String())
		}

		// Tampering with one byte of name, stars or status is detected.
		for _, tamper := range []struct{ from, to string }{
			{`"name":"A&B`, `"name":"A&C`},
			{`"stars":1`, `"stars":2`},
			{`"status":"active"`, `"status":"activE"`},
			{`"corporate_number":"7000012050002"`, `"corporate_number":"7000012050003"`},
		} {
			bad := bytes.Replace(w.Body.Bytes(), []byte(tamper.from), []byte(tamper.to), 1)
			p := filepath.Join(t.TempDir(), "bad.json")
			os.WriteFile(p, bad, 0o644)
			if _, err := VerifyFile(p, keys); !errors.Is(err, signing.ErrBadSignature) {
				t.Errorf("tamper %s: %v", tamper.from, err)
			}
			out.Reset()
			errb.Reset()
			if code := signing.VerifyCommand([]string{"--key-file", keysPath, p}, &out, &errb, nil); code != 1 || out.Len() != 0 {
				t.Errorf("command on tampered %s: %d %q", tamper.from, code, out.String())
			}
		}

		// A key id that is not in the key document.
		other, _ := signing.Ephemeral()
		wrong := bytes.Replace(w.Body.Bytes(), []byte(env.KeyID), []byte(other.CurrentID()), 1)
		p := filepath.Join(t.TempDir(), "wrong.json")
		os.WriteFile(p, wrong, 0o644)
		if _, err := VerifyFile(p, keys); !errors.Is(err, signing.ErrUnknownKey) {
			t.Errorf("wrong key id: %v", err)
		}
		if _, err := VerifyFile(path, other.PublicKeys()); !errors.Is(err, signing.ErrUnknownKey) {
			t.Errorf("other issuer's keys: %v", err)
		}

		// An organisation without prefecture or corporate number.
		w = ph.get("/api/v1/declarations/" + plain.Number)
		expect(t, w, http.StatusOK, `"corporate_number":""`, `"prefecture":""`, `"name":"個人商店"`)
	})
}

func TestPublicRecordWithdrawnAndRotation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ph := newPublicHarness(t, d)
		dec := declared(t, d, ph.s, "owner@example.jp", org.CreateInput{Name: "山田精機"})

		// Signed before the rotation.
		before := ph.save(ph.get("/api/v1/declarations/"+dec.Number), "before.json")
		oldID := ph.kr.CurrentID()
		newID, err := ph.kr.Rotate(context.Background())
		if err != nil {
			t.Fatal(err)
		}

		// Withdrawn: still served, signed with the new key, saying so.
		if _, err := d.ExecContext(ctx, `UPDATE declarations SET status = ? WHERE id = ?`, StatusWithdrawn, dec.ID); err != nil {
			t.Fatal(err)
		}
		w := ph.get("/api/v1/declarations/" + dec.Number)
		expect(t, w, http.StatusOK, `"status":"withdrawn"`, `"key_id":"`+newID+`"`)
		after := ph.save(w, "after.json")

		// The key document lists both keys, the new one current.
		kw := ph.get(KeysPath)
		expect(t, kw, http.StatusOK)
		if cc := kw.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=3600") {
			t.Errorf("key document Cache-Control %q", cc)
		}
		var doc signing.KeysDocument
		if err := json.Unmarshal(kw.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Keys) != 2 || doc.Keys[0].KeyID != newID || !doc.Keys[0].Current || doc.Keys[1].KeyID != oldID || doc.Keys[1].Current ||
			doc.Keys[0].Alg != "Ed25519" || doc.Keys[1].Alg != "Ed25519" {
			t.Fatalf("key document %+v", doc)
		}
		for _, k := range doc.Keys {
			if raw, err := base64.StdEncoding.DecodeString(k.PublicKey); err != nil || len(raw) != 32 {
				t.Errorf("public key %q", k.PublicKey)
			}
		}
		keys, err := signing.ParseKeysDocument(kw.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}

		// The older record still verifies, with the old key; the newer one
		// says withdrawn.
		rec, err := VerifyFile(before, keys)
		if err != nil || rec.Status != StatusActive {
			t.Fatalf("older record: %+v %v", rec, err)
		}
		rec, err = VerifyFile(after, keys)
		if err != nil || rec.Status != StatusWithdrawn || rec.Active() {
			t.Fatalf("withdrawn record: %+v %v", rec, err)
		}
		var out, errb bytes.Buffer
		if code := signing.VerifyCommand([]string{"--key-file", ph.save(kw, "keys.json"), after}, &out, &errb, nil); code != 0 ||
			out.String() != "valid: "+dec.Number+" 山田精機 1 withdrawn (key "+newID+")\n" {
			t.Errorf("command: %d %q %q", code, out.String(), errb.String())
		}
		// Only the keys of the time: the old document does not know the
		// new key.
		oldKeys := []signing.PublicKey{}
		for _, k := range keys {
			if k.ID == oldID {
				oldKeys = append(oldKeys, k)
			}
		}
		if _, err := VerifyFile(after, oldKeys); !errors.Is(err, signing.ErrUnknownKey) {
			t.Errorf("new record with old key document: %v", err)
		}
	})
}

func TestPublicRecordErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ph := newPublicHarness(t, d)
		dec := declared(t, d, ph.s, "owner@example.jp", org.CreateInput{Name: "山田精機"})

		// Unknown, but well-formed: 404.
		unknown := formatNumber(9_999_999_999)
		if unknown == dec.Number || !ValidNumber(unknown) {
			t.Fatal("bad fixture")
		}
		w := ph.get("/api/v1/declarations/" + unknown)
		expect(t, w, http.StatusNotFound, `"code":"not_found"`)

		// A wrong check digit: 400 naming the field.
		bad := dec.Number[:10] + string('0'+(dec.Number[10]-'0'+1)%10)
		w = ph.get("/api/v1/declarations/" + bad)
		expect(t, w, http.StatusBadRequest, `"code":"invalid"`, `"number":`)
		var body struct {
			Error struct {
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(w.Body.Bytes(), &body)
		if body.Error.Fields["number"] == "" || body.Error.Message == "" {
			t.Errorf("error body %s", w.Body.String())
		}
		if err := CheckNumber(bad); err == nil {
			t.Error("CheckNumber accepted a wrong check digit")
		} else {
			wantKey(t, err, "invalid", keyNumberCheckDigit)
		}

		// Not 11 digits: 400 with the other message.
		for _, n := range []string{"1", "1000000001", "100000000170", "1000000001x", "１０００００００００１７", "%20" + dec.Number} {
			w := ph.get("/api/v1/declarations/" + n)
			expect(t, w, http.StatusBadRequest, `"code":"invalid"`)
		}
		wantKey(t, CheckNumber("12345"), "invalid", keyNumberFormat)
		wantKey(t, CheckNumber(""), "invalid", keyNumberFormat)
		if err := CheckNumber(dec.Number); err != nil {
			t.Error(err)
		}
		if err := CheckNumber("12345678903"); err != nil {
			t.Error(err)
		}

		// Other methods are not allowed.
		w = httptest.NewRecorder()
		ph.h.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/declarations/"+dec.Number, nil))
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d", w.Code)
		}

		// Lookups by number, directly.
		if _, err := PublicRecordByNumber(context.Background(), d, unknown); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		p, err := PublicRecordByNumber(context.Background(), d, dec.Number)
		if err != nil || p.Number != dec.Number || p.Issuer != "" || p.SignedAt != "" {
			t.Errorf("lookup: %+v %v", p, err)
		}
	})
}

// Both routes are public and recorded as such.
func TestPublicRoutesRegistered(t *testing.T) {
	s := newTestService(t, nil)
	kr, err := signing.Ephemeral()
	if err != nil {
		t.Fatal(err)
	}
	rt := web.NewRouter(&web.ErrorHandler{Log: s.Log, Catalog: s.Catalog})
	s.PublicRoutes(rt, kr, "")
	got := map[string]web.Route{}
	for _, r := range rt.Routes() {
		got[r.Method+" "+r.Path] = r
	}
	for _, p := range []string{"GET /api/v1/declarations/{number}", "GET " + KeysPath} {
		if r, ok := got[p]; !ok || r.Access.Name != web.Public.Name {
			t.Errorf("%s: %+v", p, r)
		}
	}
	if !got["GET /api/v1/declarations/{number}"].API {
		t.Error("the record route is not an API route")
	}
}

// A withdrawn declaration states what the organisation's profile said when
// it was withdrawn: later profile edits do not change its signed record. A
// re-declaration follows the profile again.
func TestWithdrawnRecordKeepsWhatItStated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ph := newPublicHarness(t, d)
		dec := declared(t, d, ph.s, "owner@example.jp", org.CreateInput{Name: "山田精機", Prefecture: "13", Industry: "E", CorporateNumber: "7000012050002"})
		var owner, slug string
		if err := d.QueryRowContext(ctx, `SELECT COALESCE(d.declared_by, ''), o.slug FROM declarations d JOIN orgs o ON o.id = d.org_id WHERE d.id = ?`, dec.ID).Scan(&owner, &slug); err != nil {
			t.Fatal(err)
		}
		record := func() PublicRecord {
			t.Helper()
			p, err := PublicRecordByNumber(ctx, d, dec.Number)
			if err != nil {
				t.Fatal(err)
			}
			return *p
		}
		edit := func(pref, corp string) {
			t.Helper()
			if _, err := (&org.Service{DB: d}).Update(ctx, d, nil, slug, org.CreateInput{Name: "山田精機", Prefecture: pref, Industry: "F", CorporateNumber: corp}); err != nil {
				t.Fatal(err)
			}
		}

		if _, err := ph.s.Withdraw(ctx, nil, dec.OrgID, owner, ""); err != nil {
			t.Fatal(err)
		}
		edit("27", "8700110005901")
		if p := record(); p.Status != StatusWithdrawn || p.Prefecture != "13" || p.CorporateNumber != "7000012050002" {
			t.Fatalf("withdrawn record after a profile edit: %+v", p)
		}
		w := ph.get("/api/v1/declarations/" + dec.Number)
		expect(t, w, http.StatusOK, `"prefecture":"13"`, `"corporate_number":"7000012050002"`)
		var industry string
		if err := d.QueryRowContext(ctx, `SELECT `+StatedIndustry+` FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id WHERE d.id = ?`, dec.ID).Scan(&industry); err != nil || industry != "E" {
			t.Fatalf("withdrawn industry %q %v", industry, err)
		}
		// Removing the corporate number does not reach the record either.
		edit("27", "")
		if p := record(); p.CorporateNumber != "7000012050002" {
			t.Fatalf("withdrawn record after removing the number: %+v", p)
		}

		// Declared again: the record follows the profile.
		if _, err := ph.s.DeclareOneStar(ctx, nil, dec.OrgID, "山田精機", owner, fullInput("山田 太郎")); err != nil {
			t.Fatal(err)
		}
		edit("27", "8700110005901")
		if p := record(); p.Status != StatusActive || p.Prefecture != "27" || p.CorporateNumber != "8700110005901" {
			t.Fatalf("re-declared record: %+v", p)
		}
	})
}
