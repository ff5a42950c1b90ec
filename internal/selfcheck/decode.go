package selfcheck

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"mamori/internal/apperr"
	"mamori/internal/web"
)

// readBody reads a score request body within the body limit.
// It reuses buf when a body with a length fits in it (the score endpoint
// keeps buffers in a pool; nil is fine). A body with a length is read at
// once (io.ReadAll grows its buffer from 512 bytes).
func readBody(r *http.Request, buf []byte) ([]byte, error) {
	var body []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= 1<<20 {
		if int64(cap(buf)) >= n {
			body = buf[:n]
		} else {
			body = make([]byte, n)
		}
		_, err = io.ReadFull(r.Body, body)
		if err == nil {
			var one [1]byte
			if m, _ := r.Body.Read(one[:]); m > 0 {
				err = errors.New("body longer than its Content-Length")
			}
		}
	} else {
		body, err = io.ReadAll(r.Body)
	}
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
// The fast path fills into when it has room for every item (the score
// endpoint's pool; nil is fine), a new Answers otherwise.
func scoreAnswers(body []byte, qs *QuestionSet, into Answers) (Answers, error) {
	if a, ok := fastValidAnswers(body, qs, into); ok {
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
func fastValidAnswers(b []byte, qs *QuestionSet, into Answers) (Answers, bool) {
	a := into
	if n := qs.maxNumber() + 1; cap(a) >= n {
		a = a[:n]
		clear(a)
	} else {
		a = NewAnswers(qs)
	}
	p := fastParser{b: b}
	if !p.lit('{') || !p.key("answers") || !p.lit(':') || !p.lit('{') {
		return nil, false
	}
	count := 0
	for {
		// "<item number>": a key of one to three digits, no leading zero.
		if !p.lit('"') {
			return nil, false
		}
		n, digits := 0, 0
		for p.i < len(p.b) && isDigit(p.b[p.i]) {
			if digits == 0 && p.b[p.i] == '0' {
				return nil, false
			}
			n = n*10 + int(p.b[p.i]-'0')
			p.i++
			digits++
		}
		if digits == 0 || digits > 3 || !p.peek('"') {
			return nil, false
		}
		p.i++
		if !p.lit(':') || !p.lit('"') {
			return nil, false
		}
		// "<answer>": one of the four, compared without allocating.
		start := p.i
		for p.i < len(p.b) && isAnswerChar(p.b[p.i]) {
			p.i++
		}
		if !p.peek('"') {
			return nil, false
		}
		var ans Answer
		switch string(p.b[start:p.i]) {
		case string(Implemented):
			ans = Implemented
		case string(Partial):
			ans = Partial
		case string(NotImplemented):
			ans = NotImplemented
		case string(Unknown):
			ans = Unknown
		default:
			return nil, false
		}
		p.i++
		if n >= len(a) || a[n] != "" {
			return nil, false
		}
		if _, ok := qs.Item(n); !ok {
			return nil, false
		}
		a[n] = ans
		count++
		if p.lit(',') {
			continue
		}
		if !p.lit('}') {
			return nil, false
		}
		break
	}
	if !p.end() || count != qs.count() {
		return nil, false
	}
	return a, true
}

// decodeAnswers reads {"answers": {"1": "implemented", …}}. The plain
// form is parsed by hand (decoding a map through reflection was a quarter
// of the score endpoint's cost); anything else — escapes, other fields,
// odd values, repeated keys, text that is not Unicode — goes to the strict
// decoder every API shares, so the answer is always what it says.
func decodeAnswers(body []byte) (map[string]string, error) {
	if m, ok := parseAnswersFast(body); ok {
		return m, nil
	}
	var req scoreRequest
	if err := web.DecodeJSONBytes(body, &req); err != nil {
		return nil, err
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
	return m, p.end()
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

// end reads the closing brace of the body and reports whether only
// whitespace follows it.
func (p *fastParser) end() bool {
	if !p.lit('}') {
		return false
	}
	p.ws()
	return p.i == len(p.b)
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

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isAnswerChar(c byte) bool { return (c >= 'a' && c <= 'z') || c == '_' }
