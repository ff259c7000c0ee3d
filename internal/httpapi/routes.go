package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"piivault/internal/portal"
	"piivault/web"
)

// routes registers the routes of api.md §2 with the guard of their auth
// column (§1.6). Routes of later sections join this list as they are built.
func (h *handler) routes(r chi.Router) {
	// §3 Users
	r.Post("/v1/user", h.auth(guardCreate, h.createUser))
	r.Get("/v1/user/{mode}/{identity}", h.auth(guardUser, h.getUser))
	r.Put("/v1/user/{mode}/{identity}", h.auth(guardUser, h.updateUser))
	r.Delete("/v1/user/{mode}/{identity}", h.auth(guardUser, h.eraseUser))
	r.Get("/v1/users", h.auth(guardRoot, h.listUsers))
	r.Post("/v1/users", h.auth(guardRoot, h.listUsers))
	r.Get("/v1/user/{mode}/{identity}/export", h.auth(guardUser, h.exportUser)) // §13

	// §4 App records
	r.Post("/v1/userapp/{mode}/{identity}/{appname}", h.auth(guardUser, h.createApp))
	r.Get("/v1/userapp/{mode}/{identity}/{appname}", h.auth(guardUser, h.getApp))
	r.Put("/v1/userapp/{mode}/{identity}/{appname}", h.auth(guardUser, h.updateApp))
	r.Delete("/v1/userapp/{mode}/{identity}/{appname}", h.auth(guardUser, h.deleteApp))
	r.Get("/v1/userapp/{mode}/{identity}", h.auth(guardUser, h.userApps))
	r.Get("/v1/userapps", h.auth(guardRoot, h.appNames))

	// §5 Sessions
	r.Post("/v1/session/{session}", h.auth(guardRoot, h.putSession))
	r.Get("/v1/session/{session}", h.auth(guardUser, h.getSession))
	r.Delete("/v1/session/{session}", h.auth(guardRoot, h.deleteSession))
	r.Get("/v1/sessions/{mode}/{identity}", h.auth(guardUser, h.userSessions))
	r.Delete("/v1/sessions/{mode}/{identity}", h.auth(guardUser, h.deleteUserSessions))

	// §6 Portal login (none; rate-limited inside)
	r.Get("/v1/prelogin/{mode}/{identity}", h.prelogin)
	r.Get("/v1/prelogin/{mode}/{identity}/{code}/{captcha}", h.prelogin)
	r.Get("/v1/login/{mode}/{identity}/{code}", h.login)

	// §11 Audit
	r.Get("/v1/audit/admin", h.auth(guardRoot, h.auditAdmin))
	r.Get("/v1/audit/list/{token}", h.auth(guardUser, h.auditList))
	r.Get("/v1/audit/get/{atoken}", h.auth(guardUser, h.auditGet))
	r.Get("/v1/audit/verify", h.auth(guardRoot, h.auditVerify))

	// §7 Legal bases, agreements, processing activities
	r.Get("/v1/lbasis", h.auth(guardRoot, h.listLegalBases))
	r.Post("/v1/lbasis/{brief}", h.auth(guardRoot, h.saveLegalBasis))
	r.Delete("/v1/lbasis/{brief}", h.auth(guardRoot, h.deleteLegalBasis))
	r.Post("/v1/agreement/{brief}/{mode}/{identity}", h.auth(guardAgreementAccept, h.acceptAgreement))
	r.Get("/v1/agreement/{brief}/{mode}/{identity}", h.auth(guardUser, h.getAgreement))
	r.Delete("/v1/agreement/{brief}/{mode}/{identity}", h.auth(guardUser, h.withdrawAgreement))
	r.Delete("/v1/agreement/{brief}", h.auth(guardRoot, h.revokeAgreements))
	r.Get("/v1/agreements/{mode}/{identity}", h.auth(guardUser, h.userAgreements))
	r.Get("/v1/pactivity", h.auth(guardRoot, h.listActivities))
	r.Post("/v1/pactivity/{activity}", h.auth(guardRoot, h.saveActivity))
	r.Delete("/v1/pactivity/{activity}", h.auth(guardRoot, h.deleteActivity))
	r.Post("/v1/pactivity/{activity}/{brief}", h.auth(guardRoot, h.linkActivity))
	r.Delete("/v1/pactivity/{activity}/{brief}", h.auth(guardRoot, h.unlinkActivity))

	// §8 Requests
	r.Get("/v1/requests", h.auth(guardRoot, h.listRequests))
	r.Get("/v1/requests/{mode}/{identity}", h.auth(guardUser, h.userRequests))
	r.Get("/v1/request/{rtoken}", h.auth(guardUser, h.getRequest))
	r.Post("/v1/request/{rtoken}", h.auth(guardRoot, h.approveRequest))
	r.Delete("/v1/request/{rtoken}", h.auth(guardUser, h.cancelRequest))

	// §9 Shared records; /v1/get is tokenless (the record id is the secret) and rate-limited
	r.Post("/v1/sharedrecord/{mode}/{identity}", h.auth(guardUser, h.createShare))
	r.Delete("/v1/sharedrecord/{record}", h.auth(guardUser, h.deleteShare))
	r.Get("/v1/get/{record}", h.anonymousLimit(h.getShared))

	// §10 Expiration; the retain/delete links are tokenless and rate-limited
	r.Post("/v1/exp/start/{mode}/{identity}", h.auth(guardRoot, h.startExpiration))
	r.Get("/v1/exp/status/{mode}/{identity}", h.auth(guardUser, h.expirationStatus))
	r.Delete("/v1/exp/cancel/{mode}/{identity}", h.auth(guardUser, h.cancelExpiration))
	r.Get("/v1/exp/retain/{exptoken}", h.anonymousLimit(h.retainByLink))
	r.Post("/v1/exp/retain/{exptoken}", h.anonymousLimit(h.retainByLink))
	r.Get("/v1/exp/delete/{exptoken}", h.anonymousLimit(h.deleteByLink))
	r.Post("/v1/exp/delete/{exptoken}", h.anonymousLimit(h.deleteByLink))

	// §12 Tokenization
	r.Post("/v1/token", h.auth(guardTokenCreate, h.createToken))
	r.Get("/v1/token/{token}", h.auth(guardTokenRead, h.getToken))
	r.Delete("/v1/token/{token}", h.auth(guardTokenDelete, h.deleteToken))
	r.Post("/v1/tokens", h.auth(guardTokenCreate, h.createTokens))
	r.Post("/v1/tokens/lookup", h.auth(guardTokenRead, h.lookupTokens))

	// §14 System
	r.Get("/status", h.status)
	r.Head("/status", h.status)
	r.Get("/v1/status", h.status)
	r.Head("/v1/status", h.status)
	r.Get("/v1/metrics", h.metricsHandler)
	r.Get("/v1/sys/configuration", h.auth(guardRoot, h.configuration))
	r.Get("/v1/sys/backup", h.auth(guardRoot, h.backup))
	r.Get("/v1/sys/uiconfiguration", h.uiConfiguration)
	r.Get("/v1/sys/cookiesettings", h.cookieSettings)
	r.Get("/v1/sys/keys", h.auth(guardRoot, h.keys))
	r.Post("/v1/sys/rotate-key", h.auth(guardRoot, h.rotateKey))

	// §14 The privacy portal and admin console; the embedded shell always
	// holds index.html, so New cannot fail here.
	if p, err := portal.New(web.FS, portal.Options{LogoLink: h.opts.UI.LogoLink,
		CustomCSSLink: h.opts.UI.CustomCSSLink,
		NotFound:      http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.fail(w, r, errEndpointMissing) })}); err == nil {
		r.Get("/", p.ServeIndex)
		r.Get("/site/*", p.ServeAsset)
		r.Get("/robots.txt", p.ServeRobots)
	}
}

// methodNotAllowed answers a known path whose method has no route: OPTIONS
// gets 204 with Allow (plus the CORS preflight headers for an allowed
// origin), any other method 405 with Allow (§1.11). chi also lands here,
// before routing, for methods it does not know, so a path that matches no
// route at all still gets 404.
func (h *handler) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allow := h.allowedMethods(chi.RouteContext(r.Context()).RoutePath)
	if allow == "" {
		h.fail(w, r, errEndpointMissing)
		return
	}
	hdr := w.Header()
	hdr["Allow"] = []string{allow}
	if r.Method != http.MethodOptions {
		h.fail(w, r, errMethodNotAllowed)
		return
	}
	if exchangeOf(r).corsOrigin != "" {
		hdr["Access-Control-Allow-Methods"] = preflightMethods
		hdr["Access-Control-Allow-Headers"] = preflightHeaders
		hdr["Access-Control-Max-Age"] = preflightMaxAge
	}
	w.WriteHeader(http.StatusNoContent)
}

// routeMethods are the methods any route of §2 uses, in the order Allow lists them.
var routeMethods = [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete}

// allowedMethods returns the Allow value for path, or "" when no route
// matches it. It runs on the error path only, so probing the tree once per
// method is cheap enough.
func (h *handler) allowedMethods(path string) string {
	rctx := chi.NewRouteContext()
	allow := ""
	for _, m := range routeMethods {
		rctx.Reset()
		if h.mux.Match(rctx, m, path) {
			allow += m + ", "
		}
	}
	if allow == "" {
		return ""
	}
	return allow + http.MethodOptions
}
