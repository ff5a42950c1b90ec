package mailparse

import (
	"strconv"
	"strings"
)

// rawParams splits the parameters of a raw MIME header value (after the
// first ';') into lower-case names and values, quotes removed. Values
// keep their bytes as sent. A backslash escapes the next character only
// in ASCII values: in Shift_JIS the second byte of a character may be a
// backslash (ソ is 0x83 0x5C), and taking it for an escape would eat the
// closing quote.
func rawParams(v string) map[string]string {
	out := map[string]string{}
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return out
	}
	v = v[i+1:]
	for len(v) > 0 && len(out) < 64 {
		v = strings.TrimLeft(v, " \t\r\n;")
		eq := strings.IndexByte(v, '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(v[:eq]))
		v = strings.TrimLeft(v[eq+1:], " \t\r\n")
		var val string
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				end = len(v) - 1
			}
			escapes := isASCII([]byte(v[1 : 1+end]))
			var b strings.Builder
			j := 1
			for ; j < len(v); j++ {
				c := v[j]
				if c == '\\' && escapes && j+1 < len(v) {
					j++
					b.WriteByte(v[j])
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			v = v[min(j+1, len(v)):]
			if k := strings.IndexByte(v, ';'); k >= 0 {
				v = v[k+1:]
			} else {
				v = ""
			}
		} else {
			k := strings.IndexByte(v, ';')
			if k < 0 {
				k = len(v)
			}
			val = strings.TrimSpace(v[:k])
			v = v[k:]
		}
		if name != "" {
			if _, seen := out[name]; !seen {
				out[name] = val
			}
		}
	}
	return out
}

// paramValue decodes parameter name from rawParams' map: the RFC 2231
// extended form (name*=charset'lang'%XX…), its continuations (name*0*,
// name*1, …), or the plain one, whose bytes may be raw Shift_JIS or hold
// RFC 2047 encoded words, as mailers in Japan write them.
func paramValue(params map[string]string, name string) string {
	if v, ok := params[name+"*"]; ok {
		if t := decode2231(v, ""); t != "" {
			return t
		}
	}
	_, ext0 := params[name+"*0*"]
	_, plain0 := params[name+"*0"]
	if ext0 || plain0 {
		var data []byte
		charset := ""
		for i := 0; i < 64; i++ {
			n := name + "*" + strconv.Itoa(i)
			if v, ok := params[n+"*"]; ok {
				if i == 0 {
					if cs, _, rest, ok := cut2231(v); ok {
						charset, v = cs, rest
					}
				}
				data = append(data, percentDecode(v)...)
			} else if v, ok := params[n]; ok {
				data = append(data, v...)
			} else {
				break
			}
		}
		if t := decodeParamBytes(data, charset); t != "" {
			return t
		}
	}
	if v, ok := params[name]; ok {
		return decodeHeader(v)
	}
	return ""
}

// decode2231 decodes an extended value: charset'language'percent-encoded.
func decode2231(v, charset string) string {
	cs, _, rest, ok := cut2231(v)
	if ok {
		charset, v = cs, rest
	}
	return decodeParamBytes(percentDecode(v), charset)
}

func cut2231(v string) (charset, lang, rest string, ok bool) {
	charset, after, ok := strings.Cut(v, "'")
	if !ok {
		return "", "", v, false
	}
	lang, rest, ok = strings.Cut(after, "'")
	if !ok {
		return "", "", v, false
	}
	return charset, lang, rest, true
}

// decodeParamBytes turns a parameter's bytes into text by its declared
// charset, or by sniffing when none was given; encoded words inside are
// decoded too.
func decodeParamBytes(b []byte, charset string) string {
	if len(b) == 0 {
		return ""
	}
	var t string
	if charset == "" {
		t = decodeHeader(string(b))
	} else {
		t, _, _ = decodeText(b, charset)
	}
	if strings.Contains(t, "=?") {
		t = decodeEncodedWords(t)
	}
	return t
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}
