package httpapi_test

import (
	"testing"
)

// TestConsentIdentitiesNeverInPlaintext sends email and phone identities
// (of users and of identities without a user) and lastmodifiedby values
// through every agreement route, failures included, links them to users,
// erases the users, and scans the whole database and the logs for them.
func TestConsentIdentitiesNeverInPlaintext(t *testing.T) {
	srv, _ := consentServer(t)
	root := srv.RootHeader()
	const (
		heldEmail  = "canary.held.3c9e1a@example.org"
		portalMail = "canary.portal.3c9e1a@example.org"
		heldPhone  = "+447700900731"
		rawPhone   = "07700900731"
		userEmail  = "canary.user.3c9e1a@example.org"
		lastMod1   = "canary-lastmod-3c9e1a"
		lastMod2   = "canary-withdrawer-3c9e1a"
	)
	secrets := []string{heldEmail, portalMail, heldPhone, rawPhone, userEmail, lastMod1, lastMod2}
	newBasisVia(t, srv, "news", `{"usercontrol":true}`)
	user := createUser(t, srv, `{"login":"canary-owner-3c9e1a","email":"`+userEmail+`"}`)
	own := loginToken(t, srv, user)

	mustDo(t, srv, 200, "POST", "/v1/agreement/news/email/"+heldEmail, `{"lastmodifiedby":"`+lastMod1+`"}`, root, asJSON)
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/phone/"+rawPhone, "", root)
	mustDo(t, srv, 200, "POST", "/v1/agreement/core-send-email-on-login/email/"+portalMail, "")
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/email/"+userEmail, `{"lastmodifiedby":"`+lastMod1+`"}`, own, asJSON)
	for _, path := range []string{"/v1/agreement/news/email/" + heldEmail, "/v1/agreements/phone/" + heldPhone,
		"/v1/agreements/email/" + portalMail, "/v1/agreement/news/email/" + userEmail} {
		mustDo(t, srv, 200, "GET", path, "", root)
	}
	// Failures carry the identities in paths and bodies too.
	mustDo(t, srv, 404, "POST", "/v1/agreement/nothing/email/"+heldEmail, "", root)
	mustDo(t, srv, 400, "POST", "/v1/agreement/news/email/"+heldEmail, `{"lastmodifiedby":"`+lastMod1+`","starttime":"x"}`, root, asJSON)
	mustDo(t, srv, 401, "POST", "/v1/agreement/news/email/"+heldEmail, `{"lastmodifiedby":"`+lastMod1+`"}`, asJSON)
	mustDo(t, srv, 403, "GET", "/v1/agreement/news/email/"+heldEmail, "", own)
	mustDo(t, srv, 404, "GET", "/v1/agreements/login/"+heldEmail, "", root)
	mustDo(t, srv, 409, "POST", "/v1/lbasis/x-"+"3c9e1a", `{"brief":"news"}`, root, asJSON)

	findPlaintext(t, "database with agreements held against identities", srv.Dump(), secrets)

	// Linking moves them to users; withdrawal changes who and lastmodifiedby.
	held := createUser(t, srv, `{"email":"`+heldEmail+`"}`)
	mustDo(t, srv, 200, "PUT", "/v1/user/token/"+held, `{"phone":"`+rawPhone+`"}`, root, asJSON)
	mustDo(t, srv, 200, "DELETE", "/v1/agreement/news/phone/"+heldPhone, `{"lastmodifiedby":"`+lastMod2+`"}`, root, asJSON)
	findPlaintext(t, "database after linking", srv.Dump(), secrets)

	for _, token := range []string{held, user} {
		mustDo(t, srv, 200, "DELETE", "/v1/user/token/"+token, "", root)
	}
	findPlaintext(t, "database after erasure", srv.Dump(), secrets)
	findPlaintext(t, "logs", []byte(srv.Logs()), secrets)
}
