package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
)

// Response bodies. Field order is the key order of the contract (§1.3), so
// every shape is a struct, never a map.

type errorResponse struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type tokenResponse struct {
	Status string `json:"status"`
	Token  string `json:"token"`
}

type dataResponse struct {
	Status string          `json:"status"`
	Token  string          `json:"token"`
	Data   json.RawMessage `json:"data"`
}

// resultResponse answers a change that became a request (rtoken set) or an
// erasure that is done (rtoken omitted).
type resultResponse struct {
	Status string `json:"status"`
	Result string `json:"result"`
	RToken string `json:"rtoken,omitempty"`
}

// pageResponse is the paged answer of §1.9. Rows is never nil, so an empty
// page reads "rows":[].
type pageResponse[T any] struct {
	Status string `json:"status"`
	Total  int    `json:"total"`
	Rows   []T    `json:"rows"`
}

// respond writes v as the JSON body. It encodes into a pooled buffer first, so
// the response gets a Content-Length and a failed encoding (only a corrupt
// stored document can cause one) still becomes a clean, logged 500.
func (h *handler) respond(w http.ResponseWriter, r *http.Request, status int, v any) {
	buf := bufferPool.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	var err error
	if a, ok := v.(jsonAppender); ok {
		buf.Write(a.appendJSON(buf.AvailableBuffer()))
	} else {
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		err = enc.Encode(v)
	}
	if err != nil {
		// The encoder's message may quote document content: not logged.
		h.logger.LogAttrs(r.Context(), slog.LevelError, "encode response failed",
			slog.String("request_id", exchangeOf(r).id))
		buf.Reset()
		buf.WriteString(`{"status":"error","message":"internal error"}` + "\n")
		status = http.StatusInternalServerError
	}
	hdr := w.Header()
	hdr["Content-Type"] = jsonContentType
	hdr["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// jsonAppender is a response body that encodes itself, as the encoder
// would (no HTML escaping, a final newline). Only the hottest answer, the
// session read, is one: its data is a document the vault encoded and
// AES-GCM authenticated itself, so encoding/json's validation and
// compaction of a RawMessage is pure cost there (3% of the request).
type jsonAppender interface{ appendJSON([]byte) []byte }

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			// Rare (ids are plain ASCII): let the encoder escape it.
			var q bytes.Buffer
			enc := json.NewEncoder(&q)
			enc.SetEscapeHTML(false)
			enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(q.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// writeText answers with a short plain-text body (the /status routes).
func writeText(w http.ResponseWriter, status int, body string) {
	hdr := w.Header()
	hdr["Content-Type"] = textContentType
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	textContentType = []string{"text/plain; charset=utf-8"}
)

// respondPage answers a paged list (§1.9) with rows, or fails with err, the
// error of the call that produced them.
func respondPage[T any](h *handler, w http.ResponseWriter, r *http.Request, rows []T, total int, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, pageResponse[T]{Status: "ok", Total: total, Rows: rows})
}
