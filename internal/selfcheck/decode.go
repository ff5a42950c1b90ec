package selfcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"mamori/internal/apperr"
)

// readBody reads a score request body within the body limit.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.Wrap(err, apperr.TooLarge, "error.too_large")
		}
		return nil, apperr.Wrap(err, apperr.Invalid, "error.bad_json")
	}
	return body, nil
}

// scoreAnswers turns a score request body into validated answers: the
// plain, complete, valid form straight into Answers, anything else through
// encoding/json and Validate (which names each bad field).
func scoreAnswers(body []byte, qs *QuestionSet) (Answers, error) {
	if a, ok := fastValidAnswers(body, qs); ok {
		return a, nil
	}
	raw, err := decodeAnswers(body)
	if err != nil {
		return nil, err
	}
	return Validate(qs, raw)
}

// fastValidAnswers accepts only a complete, valid answer sheet in the
// plain form; anything it is unsure of is left to the slow path.
func fastValidAnswers(b []byte, qs *QuestionSet) (Answers, bool) {
	m, ok := parseAnswersFast(b)
	if !ok || len(m) != qs.count() {
		return nil, false
	}
	a := NewAnswers(qs)
	for k, v := range m {
		n := 0
		for i := 0; i < len(k); i++ {
			n = n*10 + int(k[i]-'0')
		}
		if k[0] == '0' || len(k) > 3 || n <= 0 || n >= len(a) || a[n] != "" {
			return nil, false
		}
		if _, ok := Points(Answer(v)); !ok {
			return nil, false
		}
		if _, ok := qs.Item(n); !ok {
			return nil, false
		}
		a[n] = Answer(v)
	}
	return a, true
}

// decodeAnswers reads {"answers": {"1": "implemented", …}}. The plain
// form is parsed by hand (decoding a map through reflection was a quarter
// of the score endpoint's cost); anything else — escapes, other fields,
// odd values, repeated keys — goes to the strict encoding/json decoder, so
// the answer is always what encoding/json says.
func decodeAnswers(body []byte) (map[string]string, error) {
	if m, ok := parseAnswersFast(body); ok {
		return m, nil
	}
	var req scoreRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "error.bad_json")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, apperr.New(apperr.Invalid, "error.bad_json")
	}
	if req.Answers == nil {
		return nil, apperr.Field("answers", "selfcheck.answers_required")
	}
	return req.Answers, nil
}

// parseAnswersFast accepts only {"answers":{"<digits>":"<a-z_>",…}} with
// optional whitespace and no repeated keys; it reports false for anything
// else, never an error.
func parseAnswersFast(b []byte) (map[string]string, bool) {
	p := fastParser{b: b}
	if !p.lit('{') || !p.key("answers") || !p.lit(':') || !p.lit('{') {
		return nil, false
	}
	m := make(map[string]string, 25)
	p.ws()
	if p.peek('}') {
		p.i++
	} else {
		for {
			k, ok := p.str(isDigit)
			if !ok || !p.lit(':') {
				return nil, false
			}
			v, ok := p.str(isAnswerChar)
			if !ok {
				return nil, false
			}
			k, v = intern(k), intern(v)
			if _, dup := m[k]; dup {
				return nil, false
			}
			m[k] = v
			p.ws()
			if p.peek(',') {
				p.i++
				p.ws()
				continue
			}
			if !p.lit('}') {
				return nil, false
			}
			break
		}
	}
	if !p.lit('}') {
		return nil, false
	}
	p.ws()
	return m, p.i == len(p.b)
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *fastParser) peek(c byte) bool { return p.i < len(p.b) && p.b[p.i] == c }

func (p *fastParser) lit(c byte) bool {
	p.ws()
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) key(k string) bool {
	s, ok := p.str(func(c byte) bool { return c >= 'a' && c <= 'z' })
	return ok && s == k
}

// str reads a quoted string whose every byte satisfies allowed; the empty
// string is refused.
func (p *fastParser) str(allowed func(byte) bool) (string, bool) {
	p.ws()
	if !p.peek('"') {
		return "", false
	}
	start := p.i + 1
	j := start
	for j < len(p.b) && p.b[j] != '"' {
		if !allowed(p.b[j]) {
			return "", false
		}
		j++
	}
	if j >= len(p.b) || j == start || j-start > 32 {
		return "", false
	}
	p.i = j + 1
	if v, ok := interned[string(p.b[start:j])]; ok { // no allocation: map lookup by []byte conversion
		return v, true
	}
	return string(p.b[start:j]), true
}

// interned holds the strings a body repeats: item numbers and answers.
// Reusing them saves fifty small allocations per request.
var interned = func() map[string]string {
	m := map[string]string{}
	for i := 0; i < 100; i++ {
		k := strconv.Itoa(i)
		m[k] = k
	}
	for _, a := range AnswerOrder {
		m[string(a)] = string(a)
	}
	return m
}()

func intern(s string) string {
	if v, ok := interned[s]; ok {
		return v
	}
	return s
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isAnswerChar(c byte) bool { return (c >= 'a' && c <= 'z') || c == '_' }
