package httpapi

import (
	"net/http"

	"piivault/internal/vault"
)

// appsResponse answers GET /v1/userapp/{mode}/{identity}.
type appsResponse struct {
	Status string   `json:"status"`
	Token  string   `json:"token"`
	Apps   []string `json:"apps"`
}

// appNamesResponse answers GET /v1/userapps.
type appNamesResponse struct {
	Status string   `json:"status"`
	Apps   []string `json:"apps"`
}

// appPath parses {mode}/{identity}/{appname} (§1.5 step 4).
// Errors: EINVALID "bad mode", "bad uuid", "bad appname".
func (h *handler) appPath(r *http.Request) (vault.Identity, string, error) {
	id, err := h.identity(r)
	if err != nil {
		return vault.Identity{}, "", err
	}
	raw, err := pathParam(r, "appname")
	if err != nil {
		return vault.Identity{}, "", err
	}
	app, err := vault.ParseAppName(raw)
	return id, app, err
}

// createApp serves POST /v1/userapp/{mode}/{identity}/{appname} (§4):
// create or replace the whole record.
func (h *handler) createApp(w http.ResponseWriter, r *http.Request) {
	h.changeApp(w, r, objectBody)
}

// updateApp serves PUT /v1/userapp/{mode}/{identity}/{appname} (§4): a
// merge patch, JSON Patch or form, as for profiles.
func (h *handler) updateApp(w http.ResponseWriter, r *http.Request) {
	h.changeApp(w, r, patchBody)
}

func (h *handler) changeApp(w http.ResponseWriter, r *http.Request, shape bodyShape) {
	id, app, err := h.appPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := h.decodeBody(r, shape)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var res vault.ChangeResult
	if shape == patchBody {
		res, err = h.svc.UpdateAppRecord(r.Context(), actorOf(r), id, app, body)
	} else {
		doc, _ := body.(map[string]any)
		res, err = h.svc.CreateAppRecord(r.Context(), actorOf(r), id, app, doc)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.changed(w, r, res)
}

// getApp serves GET /v1/userapp/{mode}/{identity}/{appname} (§4).
func (h *handler) getApp(w http.ResponseWriter, r *http.Request) {
	id, app, err := h.appPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.GetAppRecord(r.Context(), actorOf(r), id, app)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, dataResponse{Status: "ok", Token: v.Token, Data: v.Data})
}

// deleteApp serves DELETE /v1/userapp/{mode}/{identity}/{appname} (§4).
func (h *handler) deleteApp(w http.ResponseWriter, r *http.Request) {
	id, app, err := h.appPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.DeleteAppRecord(r.Context(), actorOf(r), id, app)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.changed(w, r, res)
}

// userApps serves GET /v1/userapp/{mode}/{identity} (§4): the user's app
// names, sorted.
func (h *handler) userApps(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	token, apps, err := h.svc.UserApps(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, appsResponse{Status: "ok", Token: token, Apps: apps})
}

// appNames serves GET /v1/userapps (§4): every app name in use, sorted.
func (h *handler) appNames(w http.ResponseWriter, r *http.Request) {
	apps, err := h.svc.AppNames(r.Context(), actorOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, appNamesResponse{Status: "ok", Apps: apps})
}
