package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SMSGateway delivers text messages by one HTTP POST to a configurable
// gateway (sms.gateway_*). Body is a template in which {{to}}, {{message}}
// and {{from}} are replaced by the values escaped for Format, so a value can
// never break out of its place in the body.
type SMSGateway struct {
	URL string
	// Format is "form" (application/x-www-form-urlencoded) or "json".
	Format string
	// Body is the request body template; "" means to={{to}}&message={{message}}
	// for form and {"to":"{{to}}","message":"{{message}}"} for JSON.
	Body string
	// From fills {{from}}, e.g. the sender number.
	From string
	// Authorization, when set, is sent as the Authorization header
	// (e.g. "Bearer …").
	Authorization string
	// Username and Password, when Username is set, are sent as HTTP Basic
	// authentication (Twilio: account SID and auth token).
	Username, Password string
	// Client sends the request; nil uses a client that follows no redirects.
	Client *http.Client
}

// GatewayError is a failed SMS gateway call. It keeps the HTTP status but
// never the response body, which may quote the number.
type GatewayError struct {
	Status int   // the gateway's HTTP status; 0 when no answer came
	Err    error // the transport failure when Status is 0
}

func (e *GatewayError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("sms gateway answered HTTP %d", e.Status)
	}
	return fmt.Sprintf("sms gateway: %v", e.Err)
}

func (e *GatewayError) Unwrap() error { return e.Err }

// Twilio returns a gateway for Twilio's Messages API with the account SID
// account, auth token token and sender number from (sms.twilio_*).
func Twilio(account, token, from string) *SMSGateway {
	return &SMSGateway{
		URL:      "https://api.twilio.com/2010-04-01/Accounts/" + url.PathEscape(account) + "/Messages.json",
		Format:   "form",
		Body:     "To={{to}}&From={{from}}&Body={{message}}",
		From:     from,
		Username: account,
		Password: token,
	}
}

// Deliver posts m to the gateway; any 2xx answer counts as delivered.
// Errors: *GatewayError.
func (g *SMSGateway) Deliver(ctx context.Context, m Message) error {
	body, contentType := g.render(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, strings.NewReader(body))
	if err != nil {
		return &GatewayError{Err: fmt.Errorf("bad gateway URL")}
	}
	req.Header.Set("Content-Type", contentType)
	if g.Authorization != "" {
		req.Header.Set("Authorization", g.Authorization)
	}
	if g.Username != "" {
		req.SetBasicAuth(g.Username, g.Password)
	}
	client := g.Client
	if client == nil {
		client = noRedirects
	}
	res, err := client.Do(req)
	if err != nil {
		// *url.Error quotes the URL, whose query may hold an API key:
		// keep only the transport failure under it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &GatewayError{Err: err}
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &GatewayError{Status: res.StatusCode}
	}
	return nil
}

// noRedirects does not follow a redirect: it would resend the message (and
// the credentials) somewhere the operator did not configure.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// render fills the body template, escaping each value for the format.
func (g *SMSGateway) render(m Message) (body, contentType string) {
	tmpl := g.Body
	esc := url.QueryEscape
	contentType = "application/x-www-form-urlencoded"
	if g.Format == "json" {
		contentType = "application/json"
		esc = jsonString
		if tmpl == "" {
			tmpl = `{"to":"{{to}}","message":"{{message}}"}`
		}
	} else if tmpl == "" {
		tmpl = "to={{to}}&message={{message}}"
	}
	r := strings.NewReplacer("{{to}}", esc(m.To), "{{message}}", esc(m.Text), "{{from}}", esc(g.From))
	return r.Replace(tmpl), contentType
}

// jsonString escapes s for use between the quotes of a JSON string.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}
