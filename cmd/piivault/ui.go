package main

import (
	"piivault/internal/config"
	"piivault/internal/httpapi"
)

// uiOptions maps the ui.* settings onto the branding the HTTP layer serves
// (§14 uiconfiguration and cookiesettings).
func uiOptions(u config.UI) httpapi.UI {
	return httpapi.UI{
		LogoLink:           u.LogoLink,
		CompanyTitle:       u.CompanyTitle,
		CompanyVAT:         u.CompanyVAT,
		CompanyCity:        u.CompanyCity,
		CompanyLink:        u.CompanyLink,
		CompanyCountry:     u.CompanyCountry,
		CompanyAddress:     u.CompanyAddress,
		TermOfServiceTitle: u.TermOfServiceTitle,
		TermOfServiceLink:  u.TermOfServiceLink,
		PrivacyPolicyTitle: u.PrivacyPolicyTitle,
		PrivacyPolicyLink:  u.PrivacyPolicyLink,
		CustomCSSLink:      u.CustomCSSLink,
	}
}
