package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"
)

// bodyShape says what a route accepts as its body (§1.2).
type bodyShape int

const (
	// objectBody: a JSON object or a form.
	objectBody bodyShape = iota
	// patchBody: also a JSON array (a JSON Patch), and the merge-patch and
	// json-patch media types; the PUT routes of §3 and §4.
	patchBody
)

// decodeObject decodes a body that must be a JSON object: the document, or
// nil for an empty body.
func (h *handler) decodeObject(r *http.Request) (map[string]any, error) {
	body, err := h.decodeBody(r, objectBody)
	doc, _ := body.(map[string]any)
	return doc, err
}

// decodeBody reads and parses the request body under the rules of §1.2.
// It returns nil for an empty body (0 bytes or white space only), a
// map[string]any for an object or form (form values are strings), and, for
// patchBody only, a []any for an array. "{}" and "[]" come back as empty
// values, not nil, because one route (sessions) tells them apart.
// Errors: errTooLarge (413), errUnsupportedMedia (415), errDecode and
// errTooDeep (400).
func (h *handler) decodeBody(r *http.Request, shape bodyShape) (any, error) {
	if r.ContentLength > h.opts.MaxBodyBytes {
		return nil, errTooLarge
	}
	buf := bufferPool.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	if err := readBody(buf, r, h.opts.MaxBodyBytes); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	i := 0
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	if i == len(data) {
		return nil, nil
	}
	switch mediaType(r.Header.Get("Content-Type")) {
	case "application/json":
	case "application/merge-patch+json", "application/json-patch+json":
		if shape != patchBody {
			return nil, errUnsupportedMedia
		}
	case "application/x-www-form-urlencoded":
		if data[i] == '{' || data[i] == '[' {
			return nil, errDecode
		}
		return decodeForm(data)
	default:
		return nil, errUnsupportedMedia
	}
	v, err := decodeJSON(data, h.opts.MaxJSONDepth)
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case map[string]any:
		return v, nil
	case []any:
		if shape == patchBody {
			return v, nil
		}
	}
	return nil, errDecode
}

// readBody reads at most limit bytes of r's body into buf. A chunked body is
// refused as soon as it passes the limit, without reading the rest.
func readBody(buf *bytes.Buffer, r *http.Request, limit int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errTooLarge
	case err != nil:
		return errDecode
	}
	return nil
}

// decodeForm parses a form body: for a repeated key the first value wins and
// every value is a string. Values must be valid UTF-8 like JSON strings.
func decodeForm(data []byte) (any, error) {
	vals, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, errDecode
	}
	m := make(map[string]any, len(vals))
	for k, v := range vals {
		if !utf8.ValidString(k) || !utf8.ValidString(v[0]) {
			return nil, errDecode
		}
		m[k] = v[0]
	}
	return m, nil
}

// mediaType returns the lower-cased media type of a Content-Type value,
// parameters dropped. It avoids mime.ParseMediaType, which allocates a map
// per call and rejects parameters that §1.2 says to ignore.
func mediaType(contentType string) string {
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	contentType = strings.TrimSpace(contentType)
	for _, known := range knownMediaTypes {
		if strings.EqualFold(contentType, known) {
			return known
		}
	}
	return strings.ToLower(contentType)
}

var knownMediaTypes = [...]string{
	"application/json",
	"application/x-www-form-urlencoded",
	"application/merge-patch+json",
	"application/json-patch+json",
}

// bufferPool recycles body buffers: decoded values copy what they keep, so a
// buffer is free again once decodeBody returns.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps one huge body from pinning its buffer forever.
const maxPooledBuffer = 64 << 10

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}
