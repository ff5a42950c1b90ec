package declaration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/db"
	"mamori/internal/signing"
	"mamori/internal/web"
)

// KeysPath is where the public keys that sign declaration records are
// published (docs/verification.md).
const KeysPath = "/.well-known/mamori-declarations-key"

// Message keys of the number check on the public API.
const (
	keyNumberFormat     = "decl.number_format"      // not 11 ASCII digits
	keyNumberCheckDigit = "decl.number_check_digit" // 11 digits, wrong check digit
)

// PublicRecord is what anyone may know of a declaration, and what the
// server signs. Every field is always present; times are RFC 3339 in UTC to
// the second. Fields are only ever added: a verifier must keep the whole
// record as received (docs/verification.md).
type PublicRecord struct {
	Number string `json:"number"`
	// Name is the organisation's name as recorded with the declaration.
	Name   string `json:"name"`
	Stars  int    `json:"stars"`
	Status string `json:"status"` // StatusActive or StatusWithdrawn
	// DeclaredAt is when the standing declaration was made (the latest
	// re-declaration after a withdrawal).
	DeclaredAt string `json:"declared_at"`
	UpdatedAt  string `json:"updated_at"`
	// Prefecture is the JIS X 0401 code ("13"), CorporateNumber the
	// 13-digit corporate number; "" when the organisation has none.
	Prefecture      string `json:"prefecture"`
	CorporateNumber string `json:"corporate_number"`
	// PolicyURL is the published basic security policy of a two-star
	// declaration; "" until policies exist.
	PolicyURL string `json:"policy_url"`
	// Issuer is the base URL of the mamori instance that signed.
	Issuer   string `json:"issuer"`
	SignedAt string `json:"signed_at"`
}

// Active reports whether the declaration stands (not withdrawn).
func (p PublicRecord) Active() bool { return p.Status == StatusActive }

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// CheckNumber returns nil for a well-formed declaration number, otherwise
// an Invalid apperr naming the field "number": decl.number_format when it
// is not 11 ASCII digits, decl.number_check_digit when the check digit is
// wrong (a typo).
func CheckNumber(number string) error {
	key := ""
	switch {
	case !allDigits(number, NumberLength):
		key = keyNumberFormat
	case !ValidNumber(number):
		key = keyNumberCheckDigit
	default:
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Key: key, Fields: map[string]string{"number": key}}
}

// PublicRecordByNumber returns the public record of the declaration with
// number (active or withdrawn), without Issuer and SignedAt; db.ErrNotFound
// when there is none. The number is not checked here (see CheckNumber).
func PublicRecordByNumber(ctx context.Context, q db.Querier, number string) (*PublicRecord, error) {
	var p PublicRecord
	var declared, updated time.Time
	err := q.QueryRowContext(ctx, `SELECT d.number, d.org_name, d.stars, d.status, d.declared_at, d.updated_at,
			`+StatedPrefecture+`, `+StatedCorporateNumber+`
		FROM declarations d LEFT JOIN orgs o ON o.id = d.org_id WHERE d.number = ?`, number).
		Scan(&p.Number, &p.Name, &p.Stars, &p.Status, &declared, &updated, &p.Prefecture, &p.CorporateNumber)
	if err != nil {
		return nil, db.Classify(err)
	}
	p.DeclaredAt, p.UpdatedAt = rfc3339(declared), rfc3339(updated)
	return &p, nil
}

// SignedRecord looks up number's public record and signs it as issuer. The
// envelope's Record holds the canonical bytes that were signed.
func (s *Service) SignedRecord(ctx context.Context, kr *signing.Keyring, issuer, number string) (signing.Envelope, error) {
	if err := CheckNumber(number); err != nil {
		return signing.Envelope{}, err
	}
	p, err := PublicRecordByNumber(ctx, s.DB.Read(), number)
	if err != nil {
		return signing.Envelope{}, err
	}
	p.Issuer = issuer
	p.SignedAt = rfc3339(s.now())
	return kr.SignJSON(p)
}

// PublicRoutes registers the signed public record and the key document:
//
//	GET /api/v1/declarations/{number}        {"record": {…}, "signature": "…", "key_id": "…"}
//	GET /.well-known/mamori-declarations-key {"keys": [{"key_id", "alg", "public_key", "current"}]}
//
// baseURL is the instance's public URL, recorded as each record's issuer.
func (s *Service) PublicRoutes(rt *web.Router, kr *signing.Keyring, baseURL string) {
	issuer := strings.TrimRight(baseURL, "/")
	rt.Handle("GET /api/v1/declarations/{number}", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		env, err := s.SignedRecord(r.Context(), kr, issuer, r.PathValue("number"))
		if err != nil {
			return err
		}
		b, err := env.Marshal()
		if err != nil {
			return err
		}
		writePublicJSON(w, b, "no-store")
		return nil
	})
	rt.Handle("GET "+KeysPath, web.Public, func(w http.ResponseWriter, r *http.Request) error {
		b, err := json.Marshal(kr.Document())
		if err != nil {
			return err
		}
		writePublicJSON(w, append(b, '\n'), "public, max-age=3600")
		return nil
	})
}

// writePublicJSON writes a public JSON document as is. web.WriteJSON would
// HTML-escape the embedded record ("&" → \u0026), so the bytes received
// would no longer be the canonical bytes signed. Anyone may read these
// documents, also from scripts on other sites.
func writePublicJSON(w http.ResponseWriter, body []byte, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", cacheControl)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// VerifyFile checks a saved GET /api/v1/declarations/{number} response
// against keys (from the saved key document, signing.ReadKeysFile, or a
// local keyring) and returns the record as verified. The errors are
// signing's: ErrBadSignature, ErrUnknownKey, ErrMalformed, or the file's.
func VerifyFile(path string, keys []signing.PublicKey) (PublicRecord, error) {
	v, err := signing.VerifyFile(path, keys)
	if err != nil {
		return PublicRecord{}, err
	}
	var p PublicRecord
	if err := json.Unmarshal(v.Record, &p); err != nil {
		return PublicRecord{}, fmt.Errorf("%w: the signed record is not a declaration record: %v", signing.ErrMalformed, err)
	}
	if !ValidNumber(p.Number) {
		return PublicRecord{}, fmt.Errorf("%w: the signed record has no valid declaration number", signing.ErrMalformed)
	}
	return p, nil
}
