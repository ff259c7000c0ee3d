// Package webhook delivers piivault's outgoing notifications (api.md §15):
// one JSON POST per event to the operator's notification URL, signed with
// HMAC-SHA-256 under the operator's secret when one is set. The queue, the
// claims and the back-off live in vault (DeliverNotifications); this
// package owns only the wire format and the HTTP exchange.
//
// Errors and logs never carry the URL's query, the body or the receiver's
// reply: a failure is named by its step and the status code.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"piivault/internal/vault"
)

// Sender posts notifications to one URL. It implements
// vault.NotificationSender and is safe for concurrent use.
type Sender struct {
	url    string
	secret []byte
	client *http.Client
}

// New returns a Sender for rawURL (an absolute http or https URL, as
// config.Validate ensures) that signs with secret unless it is empty.
// client nil means a client of its own that follows no redirects: the
// receiver is the configured URL, not wherever it points.
func New(rawURL, secret string, client *http.Client) *Sender {
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	s := &Sender{url: rawURL, client: client}
	if secret != "" {
		s.secret = []byte(secret)
	}
	return s
}

// body is the JSON of one event (§15); brief and status only for consentchange.
type body struct {
	Action   string `json:"action"`
	Identity string `json:"identity"`
	Mode     string `json:"mode"`
	Time     int64  `json:"time"`
	Brief    string `json:"brief,omitempty"`
	Status   string `json:"status,omitempty"`
}

// Body returns the JSON body sent for n.
func Body(n *vault.Notification) ([]byte, error) {
	b := body{Action: n.Action, Identity: n.UserToken, Mode: string(vault.ModeToken), Time: n.Time}
	if n.Action == vault.NotifyConsentChange {
		b.Brief, b.Status = n.Brief, n.Status
	}
	return json.Marshal(b)
}

// Sign returns the X-Piivault-Signature value of raw under secret:
// "sha256=" and the hex HMAC-SHA-256.
func Sign(secret, raw []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(raw)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// SendNotification POSTs n and returns nil when the receiver answers 2xx.
// ctx bounds the whole exchange.
// Errors: the request cannot be built, sent or read, or a non-2xx status.
func (s *Sender) SendNotification(ctx context.Context, n *vault.Notification) error {
	raw, err := Body(n)
	if err != nil {
		return fmt.Errorf("webhook: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(raw))
	if err != nil {
		return errors.New("webhook: bad notification URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "piivault")
	req.Header.Set("X-Piivault-Event", n.Action)
	req.Header.Set("X-Piivault-Delivery", n.ID)
	if s.secret != nil {
		req.Header.Set("X-Piivault-Signature", Sign(s.secret, raw))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, query and all
		}
		return fmt.Errorf("webhook: post: %w", err)
	}
	// Drained (a little) so that the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: receiver answered %d", resp.StatusCode)
	}
	return nil
}
