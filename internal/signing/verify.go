package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Alg is the only signature algorithm there is.
const Alg = "Ed25519"

// Errors of verification. Callers tell them apart with errors.Is.
var (
	// ErrBadSignature: the record is not what the key signed — changed
	// after signing, or signed by another key.
	ErrBadSignature = errors.New("signature does not match the record")
	// ErrUnknownKey: the envelope names a key that is not among those
	// given.
	ErrUnknownKey = errors.New("unknown key id")
	// ErrMalformed: the input is not a signed record (or key list) at all.
	ErrMalformed = errors.New("malformed input")
)

// Envelope is a signed record as the API sends it: the record in canonical
// form, a detached Ed25519 signature over exactly those bytes (standard
// base64 with padding), and the id of the signing key.
type Envelope struct {
	Record    json.RawMessage `json:"record"`
	Signature string          `json:"signature"`
	KeyID     string          `json:"key_id"`
}

// SignJSON canonicalizes v and signs it with the current key.
func (kr *Keyring) SignJSON(v any) (Envelope, error) {
	canon, err := Canonicalize(v)
	if err != nil {
		return Envelope{}, err
	}
	sig, id := kr.Sign(canon)
	return Envelope{Record: canon, Signature: base64.StdEncoding.EncodeToString(sig), KeyID: id}, nil
}

// Marshal writes the envelope as one line of JSON with the record's
// canonical bytes untouched (no HTML escaping), so a verifier can check the
// bytes as received.
func (e Envelope) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Verify checks sigB64 (standard base64 of a 64-byte Ed25519 signature)
// over the canonical form of record. The record is canonicalized again, so
// a copy that was re-indented or had its members reordered still verifies,
// while any change of a value does not.
func Verify(pub ed25519.PublicKey, record json.RawMessage, sigB64 string) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key has %d bytes, want %d", ErrMalformed, len(pub), ed25519.PublicKeySize)
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: signature is not base64 of %d bytes", ErrMalformed, ed25519.SignatureSize)
	}
	canon, err := CanonicalJSON(record)
	if err != nil {
		return fmt.Errorf("%w: record: %v", ErrMalformed, err)
	}
	if !ed25519.Verify(pub, canon, sig) {
		return ErrBadSignature
	}
	return nil
}

// Verified is a record whose signature checked out.
type Verified struct {
	// Record is the record in canonical form: exactly the bytes verified.
	Record json.RawMessage
	KeyID  string
	// KeyCurrent reports whether the key is the issuer's current one; a
	// record signed by an older key is still genuine.
	KeyCurrent bool
}

// VerifyEnvelope parses a saved API response and verifies it with the key
// it names, which must be among keys.
func VerifyEnvelope(data []byte, keys []PublicKey) (Verified, error) {
	env, err := parseEnvelope(data)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: not a signed record: %v", ErrMalformed, err)
	}
	for _, k := range keys {
		if k.ID != env.KeyID {
			continue
		}
		if err := Verify(k.Key, env.Record, env.Signature); err != nil {
			return Verified{}, err
		}
		return Verified{Record: env.Record, KeyID: k.ID, KeyCurrent: k.Current}, nil
	}
	return Verified{}, fmt.Errorf("%w %q: not among the %d keys given", ErrUnknownKey, env.KeyID, len(keys))
}

// parseEnvelope reads a signed record exactly as every other JSON reader
// (jq, Python, browsers) reads it, so none of them can be shown another
// record than the one verified. encoding/json's Unmarshal into a struct
// cannot do that: it matches member names case-insensitively and with
// Unicode case folding (so "Record" or "\u212aey_id", with a Kelvin sign,
// fill record and key_id) and keeps the last of duplicate members. Here the
// envelope is walked token by token: it must be one object whose members
// are exactly "record" (an object), "signature" and "key_id" (strings),
// each once and named exactly; the record is canonicalized on the way,
// which refuses duplicate names inside it and nesting deeper than MaxDepth
// as soon as the level opens. The input must also be valid UTF-8 without
// lone surrogate escapes, which Go would read as U+FFFD while another
// reader keeps them. Env.Record is the record in canonical form.
func parseEnvelope(data []byte) (Envelope, error) {
	if err := checkText(data); err != nil {
		return Envelope{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return Envelope{}, errors.New("not a JSON object")
	}
	var env Envelope
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Envelope{}, err
		}
		name, _ := tok.(string)
		switch name {
		case "record", "signature", "key_id":
		default:
			return Envelope{}, fmt.Errorf("unexpected member %q (a signed record has exactly \"record\", \"signature\" and \"key_id\")", name)
		}
		if seen[name] {
			return Envelope{}, fmt.Errorf("member %q appears twice", name)
		}
		seen[name] = true
		if name == "record" {
			var out bytes.Buffer
			if err := canonValue(dec, &out, 1); err != nil {
				return Envelope{}, fmt.Errorf("record: %v", err)
			}
			if out.Bytes()[0] != '{' {
				return Envelope{}, errors.New("\"record\" is not an object")
			}
			env.Record = out.Bytes()
			continue
		}
		tok, err = dec.Token()
		if err != nil {
			return Envelope{}, err
		}
		str, ok := tok.(string)
		if !ok || str == "" {
			return Envelope{}, fmt.Errorf("%q is not a non-empty string", name)
		}
		if name == "signature" {
			env.Signature = str
		} else {
			env.KeyID = str
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return Envelope{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Envelope{}, errors.New("data after the JSON object")
	}
	if len(seen) != 3 {
		return Envelope{}, errors.New("need \"record\", \"signature\" and \"key_id\"")
	}
	return env, nil
}

// checkText refuses input that JSON readers would decode differently:
// bytes that are not UTF-8 and \u escapes of lone UTF-16 surrogates (Go
// turns both into U+FFFD; Python and JavaScript keep a lone surrogate). A
// backslash can only stand inside a string in valid JSON, so scanning the
// raw bytes for escapes is enough; the JSON itself is checked by the
// decoder afterwards.
func checkText(data []byte) error {
	if !utf8.Valid(data) {
		return errors.New("not valid UTF-8")
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if i+1 < len(data) && data[i+1] != 'u' {
			i++ // a two-character escape such as \\ or \"
			continue
		}
		r, ok := hex4(data, i)
		if !ok {
			continue // malformed; the decoder refuses it
		}
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00: // high: a low one must follow
			if lo, ok := hex4(data, i+6); !ok || lo < 0xdc00 || lo > 0xdfff {
				return errors.New("lone UTF-16 surrogate escape")
			}
			i += 11
		case utf16.IsSurrogate(r):
			return errors.New("lone UTF-16 surrogate escape")
		default:
			i += 5
		}
	}
	return nil
}

// hex4 reads the escape \uXXXX at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// maxFile bounds what VerifyFile reads; a signed record is a few hundred
// bytes.
const maxFile = 1 << 20

// VerifyFile verifies a saved API response (see VerifyEnvelope).
func VerifyFile(path string, keys []PublicKey) (Verified, error) {
	data, err := readSmall(path)
	if err != nil {
		return Verified{}, err
	}
	return VerifyEnvelope(data, keys)
}

func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrMalformed, path, maxFile)
	}
	return data, nil
}

// KeyEntry is one key of the published key document.
type KeyEntry struct {
	KeyID     string `json:"key_id"`
	Alg       string `json:"alg"`
	PublicKey string `json:"public_key"` // standard base64 of the raw 32 bytes
	Current   bool   `json:"current"`
}

// KeysDocument is what /.well-known/mamori-declarations-key serves.
type KeysDocument struct {
	Keys []KeyEntry `json:"keys"`
}

// Document is the keyring's published key document.
func (kr *Keyring) Document() KeysDocument {
	return DocumentOf(kr.PublicKeys())
}

// DocumentOf builds a key document from public keys.
func DocumentOf(keys []PublicKey) KeysDocument {
	doc := KeysDocument{Keys: make([]KeyEntry, 0, len(keys))}
	for _, k := range keys {
		doc.Keys = append(doc.Keys, KeyEntry{KeyID: k.ID, Alg: Alg, PublicKey: base64.StdEncoding.EncodeToString(k.Key), Current: k.Current})
	}
	return doc
}

// ParseKeysDocument reads a saved key document. Every key must be an
// Ed25519 key of 32 bytes whose key_id is the one derived from it (KeyID),
// so a document cannot pass off one key under another's id.
//
// Member names are read exactly, as for a signed record: duplicates
// anywhere and names that encoding/json would fold onto a known one
// ("Current", "\u212aey_id") are refused, so the document does not say one
// thing to jq and another to the verifier. Other unknown members are
// ignored, so a later issuer may add some.
func ParseKeysDocument(data []byte) ([]PublicKey, error) {
	if err := checkKeysNames(data); err != nil {
		return nil, fmt.Errorf("%w: not a key document: %v", ErrMalformed, err)
	}
	var doc KeysDocument
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: not a key document: %v", ErrMalformed, err)
	}
	if len(doc.Keys) == 0 {
		return nil, fmt.Errorf("%w: the key document lists no keys", ErrMalformed)
	}
	out := make([]PublicKey, 0, len(doc.Keys))
	for i, e := range doc.Keys {
		if e.Alg != Alg {
			return nil, fmt.Errorf("%w: key %d: alg %q, want %q", ErrMalformed, i+1, e.Alg, Alg)
		}
		raw, err := base64.StdEncoding.DecodeString(e.PublicKey)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: key %d: public_key is not base64 of %d bytes", ErrMalformed, i+1, ed25519.PublicKeySize)
		}
		pub := ed25519.PublicKey(raw)
		if id := KeyID(pub); id != e.KeyID {
			return nil, fmt.Errorf("%w: key %d: key_id %q does not match its key (%s)", ErrMalformed, i+1, e.KeyID, id)
		}
		out = append(out, PublicKey{ID: e.KeyID, Key: pub, Current: e.Current})
	}
	return out, nil
}

// ReadKeysFile reads a saved key document from a file.
func ReadKeysFile(path string) ([]PublicKey, error) {
	data, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	return ParseKeysDocument(data)
}

// checkKeysNames refuses a key document with duplicate member names, text
// readers disagree on, nesting past MaxDepth, or a member name that is
// not exactly one of the known names but folds onto one.
func checkKeysNames(data []byte) error {
	if err := checkText(data); err != nil {
		return err
	}
	if _, err := CanonicalJSON(data); err != nil { // duplicates, depth
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return err
	}
	if err := exactNames(top, "keys"); err != nil {
		return err
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(top["keys"], &entries); err != nil {
		return err
	}
	for _, e := range entries {
		if err := exactNames(e, "key_id", "alg", "public_key", "current"); err != nil {
			return err
		}
	}
	return nil
}

// exactNames refuses a member of m that encoding/json would take for one of
// known (matching it case-insensitively, with Unicode folding) without
// being spelt exactly so.
func exactNames(m map[string]json.RawMessage, known ...string) error {
	for name := range m {
		for _, k := range known {
			if name != k && strings.EqualFold(name, k) {
				return fmt.Errorf("member %q is not %q", name, k)
			}
		}
	}
	return nil
}
