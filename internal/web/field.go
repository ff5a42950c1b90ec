package web

import "fmt"

// Field is one labelled form control as the shared "field" partial writes
// it: the label with its hint, the control holding the submitted value,
// and the field's message, tied to the control by aria-invalid and
// aria-describedby. Every text is translated when the field is built, so
// the partial only places strings and every form marks its errors the
// same way.
type Field struct {
	ID, Name string
	// Type is an input type ("text", "email", "url", "date", …) or
	// "textarea".
	Type                                 string
	Label, Hint, Value, Error            string
	Max, MinLength, Rows                 int
	Min                                  string
	Required                             bool
	Autocomplete, InputMode, Lang, Class string
}

// NewField builds a Field for the form on p: field name, label key, then
// options as name/value pairs:
//
//	"type" string (default "text"; "textarea" for a text area)
//	"id" string (default the name)
//	"max" int (maxlength), "minlength" int, "min" any (number inputs), "rows" int
//	"required" bool
//	"optional" bool: the hint starts with the word "optional"
//	"hint" key, "hintText" text already translated (a hint with arguments)
//	"autocomplete", "inputmode", "lang", "class" string
//	"labelText" string: a label already written (labelKey "")
//	"errArg" any: an argument to the field's message (a length limit)
//
// A password input never echoes what was typed. An unknown option is an
// error, so a mistyped option fails the page's render test instead of
// silently dropping an attribute.
func NewField(p Page, name, labelKey string, opts ...any) (Field, error) {
	f := Field{ID: name, Name: name, Type: "text"}
	if labelKey != "" {
		f.Label = p.L.T(labelKey)
	}
	if len(opts)%2 != 0 {
		return f, fmt.Errorf("field %s: options come in pairs", name)
	}
	var hint string
	var optional bool
	var errArgs []any
	for i := 0; i < len(opts); i += 2 {
		k, _ := opts[i].(string)
		v := opts[i+1]
		var ok bool
		switch k {
		case "type":
			f.Type, ok = v.(string)
		case "id":
			f.ID, ok = v.(string)
		case "max":
			f.Max, ok = v.(int)
		case "minlength":
			f.MinLength, ok = v.(int)
		case "rows":
			f.Rows, ok = v.(int)
		case "min":
			f.Min, ok = fmt.Sprint(v), true
		case "required":
			f.Required, ok = v.(bool)
		case "optional":
			optional, ok = v.(bool)
		case "hint":
			var key string
			key, ok = v.(string)
			hint = p.L.T(key)
		case "hintText":
			hint, ok = v.(string)
		case "autocomplete":
			f.Autocomplete, ok = v.(string)
		case "inputmode":
			f.InputMode, ok = v.(string)
		case "lang":
			f.Lang, ok = v.(string)
		case "class":
			f.Class, ok = v.(string)
		case "labelText":
			f.Label, ok = v.(string)
		case "errArg":
			errArgs, ok = append(errArgs, v), true
		}
		if !ok {
			return f, fmt.Errorf("field %s: bad option %q (%T)", name, k, v)
		}
	}
	switch {
	case optional && hint != "":
		f.Hint = p.L.T("field.optional") + " " + hint
	case optional:
		f.Hint = p.L.T("field.optional")
	default:
		f.Hint = hint
	}
	if f.Type != "password" {
		f.Value = p.Form.Get(name)
	}
	if key := p.Form.Err(name); key != "" {
		f.Error = p.L.T(key, errArgs...)
	}
	return f, nil
}
