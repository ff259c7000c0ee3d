package httpapi

import (
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"

	"piivault/internal/vault"
)

// The strict JSON rules of §1.2 that encoding/json does not enforce itself:
// one value only, no repeated key in any object, a nesting limit, valid UTF-8,
// and numbers kept with the exact text they were sent with.
var (
	errDecode  = &vault.Error{Code: vault.EINVALID, Message: "failed to decode request body"}
	errTooDeep = &vault.Error{Code: vault.EINVALID, Message: "json nesting too deep"}
)

// decodeJSON parses data as exactly one JSON value and returns it as a
// document: map[string]any, []any, string, json.Number, bool or nil.
// The top-level object or array is level 1; a container deeper than maxDepth
// fails with errTooDeep, any other violation with errDecode. Recursion is
// bounded by maxDepth, so hostile input cannot exhaust the stack.
func decodeJSON(data []byte, maxDepth int) (any, error) {
	p := parser{data: data, maxDepth: maxDepth}
	p.skipSpace()
	v, err := p.value(1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, errDecode
	}
	return v, nil
}

type parser struct {
	data     []byte
	pos      int
	maxDepth int
}

// peek returns the current byte, or 0 at the end of input (0 is never valid there).
func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) && isSpace(p.data[p.pos]) {
		p.pos++
	}
}

func (p *parser) value(depth int) (any, error) {
	switch c := p.peek(); {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.string()
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	}
	return nil, errDecode
}

func (p *parser) object(depth int) (any, error) {
	if depth > p.maxDepth {
		return nil, errTooDeep
	}
	p.pos++
	m := make(map[string]any)
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return m, nil
	}
	for {
		p.skipSpace()
		if p.peek() != '"' {
			return nil, errDecode
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, errDecode
		}
		p.skipSpace()
		if p.peek() != ':' {
			return nil, errDecode
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return m, nil
		default:
			return nil, errDecode
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > p.maxDepth {
		return nil, errTooDeep
	}
	p.pos++
	a := []any{}
	p.skipSpace()
	if p.peek() == ']' {
		p.pos++
		return a, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return a, nil
		default:
			return nil, errDecode
		}
	}
}

func (p *parser) literal(word string, v any) (any, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, errDecode
	}
	p.pos += len(word)
	return v, nil
}

// number accepts exactly the JSON number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and keeps its text.
func (p *parser) number() (any, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	switch c := p.peek(); {
	case c == '0':
		p.pos++
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return nil, errDecode
	}
	if p.peek() == '.' {
		p.pos++
		if p.digits() == 0 {
			return nil, errDecode
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if p.digits() == 0 {
			return nil, errDecode
		}
	}
	return json.Number(p.data[start:p.pos]), nil
}

func (p *parser) digits() int {
	start := p.pos
	for p.pos < len(p.data) && '0' <= p.data[p.pos] && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

// string reads a quoted string. Strings without escapes, the common case, are
// copied once; invalid UTF-8 and raw control characters are errors, and a
// lone surrogate escape becomes U+FFFD as encoding/json does.
func (p *parser) string() (string, error) {
	p.pos++
	start := p.pos
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == '"':
			s := p.data[start:p.pos]
			p.pos++
			if !utf8.Valid(s) {
				return "", errDecode
			}
			return string(s), nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", errDecode
		}
		p.pos++
	}
	return "", errDecode
}

// escaped finishes a string that holds escapes, starting over at start.
func (p *parser) escaped(start int) (string, error) {
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if !utf8.Valid(buf) {
				return "", errDecode
			}
			return string(buf), nil
		case c < 0x20:
			return "", errDecode
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++
		switch e := p.peek(); e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4(p.pos + 1)
			if !ok {
				return "", errDecode
			}
			p.pos += 4
			if utf16.IsSurrogate(r) {
				r2, ok := p.lowSurrogate()
				if r = utf16.DecodeRune(r, r2); ok && r != utf8.RuneError {
					p.pos += 6
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", errDecode
		}
		p.pos++
	}
	return "", errDecode
}

// lowSurrogate reads the \uXXXX that follows the escape ending at p.pos,
// without consuming it.
func (p *parser) lowSurrogate() (rune, bool) {
	i := p.pos + 1
	if len(p.data)-i < 6 || p.data[i] != '\\' || p.data[i+1] != 'u' {
		return utf8.RuneError, false
	}
	return p.hex4(i + 2)
}

func (p *parser) hex4(i int) (rune, bool) {
	if len(p.data)-i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// isSpace reports JSON white space, which is also what counts as an empty body.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
