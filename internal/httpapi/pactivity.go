package httpapi

import (
	"context"
	"net/http"
	"strings"

	"piivault/internal/vault"
)

// activityObject is the processing-activity object of §7.3, keys in
// contract order. legalbasis joins the linked briefs in link order.
type activityObject struct {
	Activity     string         `json:"activity"`
	ApplicableTo string         `json:"applicableto"`
	Briefs       []lbasisObject `json:"briefs"`
	CreationTime int64          `json:"creationtime"`
	FullDesc     string         `json:"fulldesc"`
	LegalBasis   string         `json:"legalbasis"`
	Script       string         `json:"script"`
	Title        string         `json:"title"`
}

func newActivityObject(a vault.Activity) activityObject {
	briefs := make([]string, len(a.Bases))
	for i, b := range a.Bases {
		briefs[i] = b.Brief
	}
	return activityObject{Activity: a.Name, ApplicableTo: a.ApplicableTo, Briefs: lbasisObjects(a.Bases),
		CreationTime: a.Created, FullDesc: a.FullDesc, LegalBasis: strings.Join(briefs, ","), Script: a.Script, Title: a.Title}
}

// listActivities serves GET /v1/pactivity (§7.3).
func (h *handler) listActivities(w http.ResponseWriter, r *http.Request) {
	page, err := optionalPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	acts, total, err := h.svc.Activities(r.Context(), actorOf(r), page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]activityObject, len(acts))
	for i, a := range acts {
		rows[i] = newActivityObject(a)
	}
	h.respond(w, r, http.StatusOK, pageResponse[activityObject]{Status: "ok", Total: total, Rows: rows})
}

// saveActivity serves POST /v1/pactivity/{activity} (§7.3): create or update.
func (h *handler) saveActivity(w http.ResponseWriter, r *http.Request) {
	name, err := activityParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fields, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.SaveActivity(r.Context(), actorOf(r), name, fields); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// deleteActivity serves DELETE /v1/pactivity/{activity} (§7.3).
func (h *handler) deleteActivity(w http.ResponseWriter, r *http.Request) {
	name, err := activityParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteActivity(r.Context(), actorOf(r), name); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// linkActivity serves POST /v1/pactivity/{activity}/{brief} (§7.3).
func (h *handler) linkActivity(w http.ResponseWriter, r *http.Request) {
	h.changeActivityLink(w, r, (*vault.Service).LinkActivity)
}

// unlinkActivity serves DELETE /v1/pactivity/{activity}/{brief} (§7.3).
func (h *handler) unlinkActivity(w http.ResponseWriter, r *http.Request) {
	h.changeActivityLink(w, r, (*vault.Service).UnlinkActivity)
}

func (h *handler) changeActivityLink(w http.ResponseWriter, r *http.Request,
	change func(*vault.Service, context.Context, vault.Actor, string, string) error) {
	name, err := activityParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	brief, err := h.briefParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := change(h.svc, r.Context(), actorOf(r), name, brief); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// activityParam returns the {activity} path value checked for syntax.
// Errors: EINVALID "bad activity format".
func activityParam(r *http.Request) (string, error) {
	raw, err := pathParam(r, "activity")
	if err != nil {
		return "", err
	}
	return vault.ParseActivity(raw)
}
