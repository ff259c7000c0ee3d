// Package portal serves the embedded privacy portal and admin console of
// package web at `/`, `/site/*` and `/robots.txt` (api.md §1.11, §14). It
// owns the headers that differ from the API's: the portal CSP and, for
// static assets, a cache lifetime. Every other §1.11 header is the caller's.
package portal

import (
	"bytes"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Options tunes the handler.
type Options struct {
	// LogoLink and CustomCSSLink are ui.logo_link and ui.custom_css_link;
	// their origins join img-src and style-src of the CSP when set.
	LogoLink, CustomCSSLink string
	// NotFound answers an unknown asset under /site/ (the API's 404
	// "endpoint is missing"); nil answers a bare 404.
	NotFound http.Handler
}

// baseCSP is the portal policy of §1.11 before the branding origins.
const (
	cspHead = "default-src 'self'; script-src 'self'; style-src 'self'"
	cspMid  = "; img-src 'self' data:"
	cspTail = "; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

// assetMaxAge is how long a browser may keep a static asset. Assets carry
// no version in their name, so a short lifetime keeps upgrades visible.
const assetMaxAge = "public, max-age=300"

// Handler serves the portal.
type Handler struct {
	assets   fs.FS
	csp      []string
	index    []byte
	modTime  time.Time
	notFound http.Handler
}

// New returns the portal handler over assets, which must hold index.html.
// It fails only when index.html cannot be read.
func New(assets fs.FS, opts Options) (*Handler, error) {
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		return nil, err
	}
	nf := opts.NotFound
	if nf == nil {
		nf = http.HandlerFunc(http.NotFound)
	}
	csp := cspHead + originOf(opts.CustomCSSLink) + cspMid + originOf(opts.LogoLink) + cspTail
	return &Handler{assets: assets, csp: []string{csp}, index: index, modTime: time.Now(), notFound: nf}, nil
}

// originOf returns " <scheme://host>" for an absolute http(s) link, else "",
// so a malformed setting can never widen the policy.
func originOf(link string) string {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsAny(u.Host, " ;'\"") {
		return ""
	}
	return " " + u.Scheme + "://" + u.Host
}

// ServeIndex answers `/` with the HTML shell, never cached so a new
// release is picked up at once.
func (h *Handler) ServeIndex(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["Content-Security-Policy"] = h.csp
	hdr["Cache-Control"] = []string{"no-store"}
	hdr["Content-Type"] = []string{"text/html; charset=utf-8"}
	http.ServeContent(w, r, "index.html", h.modTime, bytes.NewReader(h.index))
}

// ServeAsset answers `/site/*`: a known asset with the portal CSP and a
// cache lifetime, an extension-less path (a client-side view) with the
// shell, anything else with NotFound.
func (h *Handler) ServeAsset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, "/site")), "/")
	if name == "" || name == "index.html" {
		h.ServeIndex(w, r)
		return
	}
	data, err := fs.ReadFile(h.assets, name)
	if err != nil {
		if path.Ext(name) == "" {
			h.ServeIndex(w, r) // SPA fallback
			return
		}
		h.notFound.ServeHTTP(w, r)
		return
	}
	hdr := w.Header()
	hdr["Content-Security-Policy"] = h.csp
	hdr["Cache-Control"] = []string{assetMaxAge}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		hdr["Content-Type"] = []string{ct}
	}
	http.ServeContent(w, r, name, h.modTime, bytes.NewReader(data))
}

// robots disallows every crawler: nothing here is for an index.
var robots = []byte("User-agent: *\nDisallow: /\n")

// ServeRobots answers `/robots.txt`.
func (h *Handler) ServeRobots(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["Content-Type"] = []string{"text/plain; charset=utf-8"}
	hdr["Cache-Control"] = []string{assetMaxAge}
	_, _ = w.Write(robots)
}
