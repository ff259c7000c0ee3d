package httpapi

import (
	"net/http"
)

// UI is the portal branding of the ui.* settings (§16), served by
// /v1/sys/uiconfiguration and /v1/sys/cookiesettings. Nothing in it is
// secret or personal: it is public by design.
type UI struct {
	LogoLink           string
	CompanyTitle       string
	CompanyVAT         string
	CompanyCity        string
	CompanyLink        string
	CompanyCountry     string
	CompanyAddress     string
	TermOfServiceTitle string
	TermOfServiceLink  string
	PrivacyPolicyTitle string
	PrivacyPolicyLink  string
	CustomCSSLink      string
}

// uiObject is the "ui" object of §14, keys in contract order. MagicLookup
// is always false: piivault has no magic lookup.
type uiObject struct {
	LogoLink           string `json:"LogoLink"`
	CompanyTitle       string `json:"CompanyTitle"`
	CompanyVAT         string `json:"CompanyVAT"`
	CompanyCity        string `json:"CompanyCity"`
	CompanyLink        string `json:"CompanyLink"`
	CompanyCountry     string `json:"CompanyCountry"`
	CompanyAddress     string `json:"CompanyAddress"`
	TermOfServiceTitle string `json:"TermOfServiceTitle"`
	TermOfServiceLink  string `json:"TermOfServiceLink"`
	PrivacyPolicyTitle string `json:"PrivacyPolicyTitle"`
	PrivacyPolicyLink  string `json:"PrivacyPolicyLink"`
	CustomCSSLink      string `json:"CustomCSSLink"`
	MagicLookup        bool   `json:"MagicLookup"`
}

func (u UI) object() uiObject {
	return uiObject{LogoLink: u.LogoLink, CompanyTitle: u.CompanyTitle, CompanyVAT: u.CompanyVAT,
		CompanyCity: u.CompanyCity, CompanyLink: u.CompanyLink, CompanyCountry: u.CompanyCountry,
		CompanyAddress: u.CompanyAddress, TermOfServiceTitle: u.TermOfServiceTitle,
		TermOfServiceLink: u.TermOfServiceLink, PrivacyPolicyTitle: u.PrivacyPolicyTitle,
		PrivacyPolicyLink: u.PrivacyPolicyLink, CustomCSSLink: u.CustomCSSLink}
}

type uiResponse struct {
	Status string   `json:"status"`
	UI     uiObject `json:"ui"`
}

// cookieScript is one entry of "scripts" in the cookie settings.
type cookieScript struct {
	Script string   `json:"script"`
	Briefs []string `json:"briefs"`
}

type cookieSettingsResponse struct {
	Status  string         `json:"status"`
	UI      uiObject       `json:"ui"`
	Rows    []lbasisObject `json:"rows"`
	Scripts []cookieScript `json:"scripts"`
}

// uiConfiguration serves GET /v1/sys/uiconfiguration (none guard, §14).
func (h *handler) uiConfiguration(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r, http.StatusOK, uiResponse{Status: "ok", UI: h.opts.UI.object()})
}

// cookieSettings serves GET /v1/sys/cookiesettings (none guard, §14): the
// branding, the active cookie-popup legal bases and the scripts of the
// processing activities linked to them.
func (h *handler) cookieSettings(w http.ResponseWriter, r *http.Request) {
	bases, scripts, err := h.svc.CookieSettings(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]cookieScript, len(scripts))
	for i, s := range scripts {
		out[i] = cookieScript{Script: s.Script, Briefs: s.Briefs}
	}
	h.respond(w, r, http.StatusOK, cookieSettingsResponse{Status: "ok", UI: h.opts.UI.object(),
		Rows: lbasisObjects(bases), Scripts: out})
}
