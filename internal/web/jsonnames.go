package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// maxNameCheckDepth mirrors encoding/json's own nesting limit, so the walk
// refuses nothing the decoder would accept for depth alone.
const maxNameCheckDepth = 10_000

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkJSONNames refuses member names that encoding/json would take for
// another: it matches a struct field's name case-insensitively, with
// Unicode folding ("Name", "NAME", or "\u212aey" with a Kelvin sign for
// "key"), and keeps the last of duplicate members, so the request a proxy,
// a log or an audit tool reads is not the one mamori acts on. Every object
// must have each member name once (compared exactly, escapes resolved),
// and where the body is decoded into a struct, every name must be exactly
// a field's JSON name. Values decoded by their own UnmarshalJSON or into
// any/json.RawMessage are checked for duplicates only. The walk reads
// tokens and keeps no copy of the body, so it is linear in its size.
func checkJSONNames(b []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := checkNamesValue(dec, t, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

func checkNamesValue(dec *json.Decoder, t reflect.Type, depth int) error {
	t = namesType(t)
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxNameCheckDepth {
		return errors.New("JSON nested too deeply")
	}
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := checkNamesValue(dec, elem, depth+1); err != nil {
				return err
			}
		}
	case '{':
		var fields map[string]jsonField
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = map[string]jsonField{}
			structFields(t, fields, 0)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := tok.(string)
			if seen[name] {
				return fmt.Errorf("member %q appears twice", name)
			}
			seen[name] = true
			child := elem
			if fields != nil {
				f, ok := fields[name]
				if !ok {
					return fmt.Errorf("unknown member %q", name)
				}
				child = f.typ
			}
			if err := checkNamesValue(dec, child, depth+1); err != nil {
				return err
			}
		}
	default:
		return nil // a closing delimiter: malformed, the decoder reports it
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// namesType is the type whose member names a value is checked against:
// pointers are followed, and a type that decodes itself (or any other
// non-container) is nil, checked for duplicates only.
func namesType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return nil
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
		return t
	}
	return nil
}

// jsonField is a struct field as encoding/json sees it: its type, how
// deep in embedded structs it sits, and whether its tag names it.
type jsonField struct {
	typ    reflect.Type
	depth  int
	tagged bool
}

// structFields adds t's JSON member names as encoding/json names them:
// the tag's name, else the field's name; fields of untagged embedded
// structs are promoted. A name takes the field encoding/json decodes into:
// the shallowest, and of those at one depth the tagged one, whatever the
// order of the fields (an embedded struct's "opts" listed before the
// outer "opts" must not decide how the outer one's value is checked).
// Where encoding/json would drop a name for a conflict, it stays here: the
// decoder's DisallowUnknownFields refuses it.
func structFields(t reflect.Type, out map[string]jsonField, depth int) {
	if depth > 8 { // embedding cycles through pointers
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				structFields(ft, out, depth+1)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		nf := jsonField{typ: f.Type, depth: depth, tagged: name != ""}
		if name == "" {
			name = f.Name
		}
		if old, ok := out[name]; !ok || nf.depth < old.depth || (nf.depth == old.depth && nf.tagged && !old.tagged) {
			out[name] = nf
		}
	}
}
