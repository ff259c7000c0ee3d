package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"piivault/internal/vault"
)

// The session read encodes itself; its bytes must be the encoder's.
func TestSessionAnswerEncodesAsTheEncoder(t *testing.T) {
	docs := []any{
		map[string]any{"cookie": map[string]any{"path": "/", "httpOnly": true}, "views": json.Number("12")},
		map[string]any{"html": "<b>&amp;</b>", "quote": `"\`, "ctl": "a\tb\u0001", "uni": "čaj ☕ \u2028"},
		map[string]any{},
	}
	ids := []string{"abcdefghijklmnop_-0123", `odd "id" \ with <html> & é`, "ctl\x00\x1f"}
	for _, doc := range docs {
		data, err := vault.EncodeDocument(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			v := sessionDataResponse{Status: "ok", Session: id, When: 1764124800, Data: data}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			if got := v.appendJSON(nil); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("appendJSON:\n got %s\nwant %s", got, want.Bytes())
			}
		}
	}
	var want bytes.Buffer
	json.NewEncoder(&want).Encode(sessionDataResponse{Status: "ok"})
	if got := (sessionDataResponse{Status: "ok"}).appendJSON(nil); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("no data:\n got %s\nwant %s", got, want.Bytes())
	}
}
