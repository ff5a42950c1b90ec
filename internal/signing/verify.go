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
	// The strict parse first: one JSON value, no duplicate member names
	// anywhere, so no reader can be shown another record than the one
	// verified here.
	if _, err := CanonicalJSON(data); err != nil {
		return Verified{}, fmt.Errorf("%w: not a signed record: %v", ErrMalformed, err)
	}
	var env Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return Verified{}, fmt.Errorf("%w: not a signed record: %v", ErrMalformed, err)
	}
	if len(env.Record) == 0 || env.Signature == "" || env.KeyID == "" {
		return Verified{}, fmt.Errorf("%w: need \"record\", \"signature\" and \"key_id\"", ErrMalformed)
	}
	if env.Record[0] != '{' {
		return Verified{}, fmt.Errorf("%w: \"record\" is not an object", ErrMalformed)
	}
	for _, k := range keys {
		if k.ID != env.KeyID {
			continue
		}
		if err := Verify(k.Key, env.Record, env.Signature); err != nil {
			return Verified{}, err
		}
		canon, err := CanonicalJSON(env.Record)
		if err != nil { // cannot happen: Verify canonicalized it
			return Verified{}, fmt.Errorf("%w: record: %v", ErrMalformed, err)
		}
		return Verified{Record: canon, KeyID: k.ID, KeyCurrent: k.Current}, nil
	}
	return Verified{}, fmt.Errorf("%w %q: not among the %d keys given", ErrUnknownKey, env.KeyID, len(keys))
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
func ParseKeysDocument(data []byte) ([]PublicKey, error) {
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
