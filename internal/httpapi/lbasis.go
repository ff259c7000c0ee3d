package httpapi

import (
	"net/http"

	"piivault/internal/vault"
)

// lbasisObject is the legal-basis object of §7.1, keys in contract order.
type lbasisObject struct {
	BasisType    string `json:"basistype"`
	Brief        string `json:"brief"`
	CreationTime int64  `json:"creationtime"`
	FullDesc     string `json:"fulldesc"`
	Module       string `json:"module"`
	RequiredFlag bool   `json:"requiredflag"`
	RequiredMsg  string `json:"requiredmsg"`
	ShortDesc    string `json:"shortdesc"`
	Status       string `json:"status"`
	UserControl  bool   `json:"usercontrol"`
}

func newLbasisObject(b vault.LegalBasis) lbasisObject {
	return lbasisObject{BasisType: b.BasisType, Brief: b.Brief, CreationTime: b.Created, FullDesc: b.FullDesc,
		Module: b.Module, RequiredFlag: b.RequiredFlag, RequiredMsg: b.RequiredMsg, ShortDesc: b.ShortDesc,
		Status: b.Status, UserControl: b.UserControl}
}

func lbasisObjects(bases []vault.LegalBasis) []lbasisObject {
	out := make([]lbasisObject, len(bases))
	for i, b := range bases {
		out[i] = newLbasisObject(b)
	}
	return out
}

// optionalPage reads offset and limit for the lists that are paged only
// when asked (§1.9): nil when neither parameter is in the query.
// Errors: EINVALID "bad offset", "bad limit".
func optionalPage(r *http.Request) (*vault.Page, error) {
	q := r.URL.Query()
	if !q.Has("offset") && !q.Has("limit") {
		return nil, nil
	}
	page, err := parsePage(r)
	return &page, err
}

// listLegalBases serves GET /v1/lbasis (§7.1).
func (h *handler) listLegalBases(w http.ResponseWriter, r *http.Request) {
	page, err := optionalPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	bases, total, err := h.svc.LegalBases(r.Context(), actorOf(r), page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, pageResponse[lbasisObject]{Status: "ok", Total: total, Rows: lbasisObjects(bases)})
}

// saveLegalBasis serves POST /v1/lbasis/{brief} (§7.1): create or update.
func (h *handler) saveLegalBasis(w http.ResponseWriter, r *http.Request) {
	brief, err := h.briefParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fields, err := h.decodeObject(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.SaveLegalBasis(r.Context(), actorOf(r), brief, fields); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// deleteLegalBasis serves DELETE /v1/lbasis/{brief} (§7.1).
func (h *handler) deleteLegalBasis(w http.ResponseWriter, r *http.Request) {
	brief, err := h.briefParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.svc.DeleteLegalBasis(r.Context(), actorOf(r), brief); err != nil {
		h.fail(w, r, err)
		return
	}
	h.respond(w, r, http.StatusOK, statusResponse{Status: "ok"})
}

// briefParam returns the {brief} path value checked for syntax, so that a
// bad brief is refused before the body is read (§1.5 step 4).
// Errors: EINVALID "bad brief format".
func (h *handler) briefParam(r *http.Request) (string, error) {
	raw, err := pathParam(r, "brief")
	if err != nil {
		return "", err
	}
	return vault.ParseBrief(raw)
}
