package httpapi

import (
	"encoding/json"
	"net/http"
)

// exportResponse is the subject export of §13, keys in the contract's order.
type exportResponse struct {
	Status        string                     `json:"status"`
	Token         string                     `json:"token"`
	Exported      int64                      `json:"exported"`
	Profile       json.RawMessage            `json:"profile"`
	Apps          map[string]json.RawMessage `json:"apps"` // encoding/json sorts the names
	Sessions      []exportSession            `json:"sessions"`
	Agreements    []any                      `json:"agreements"`
	LegalBases    []any                      `json:"legalbases"`
	Requests      []requestRow               `json:"requests"`
	SharedRecords []exportShare              `json:"sharedrecords"`
	Expiration    exportExpiration           `json:"expiration"`
	Audit         []any                      `json:"audit"`
}

type exportSession struct {
	Session string `json:"session"`
	When    int64  `json:"when"`
	ExpTime int64  `json:"exptime"`
}

type exportShare struct {
	Record  string `json:"record"`
	Target  string `json:"target"`
	App     string `json:"app"`
	Partner string `json:"partner"`
	Fields  string `json:"fields"`
	ExpTime int64  `json:"exptime"`
	When    int64  `json:"when"`
}

type exportExpiration struct {
	ExpTime   int64  `json:"exptime"`
	ExpStatus string `json:"expstatus"`
	ExpToken  string `json:"exptoken"`
}

// exportUser serves GET /v1/user/{mode}/{identity}/export (§13) as a file
// download named after the user token.
func (h *handler) exportUser(w http.ResponseWriter, r *http.Request) {
	id, err := h.identity(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.svc.ExportUser(r.Context(), actorOf(r), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res := exportResponse{
		Status: "ok", Token: v.Token, Exported: v.Exported, Profile: v.Profile,
		Apps:          make(map[string]json.RawMessage, len(v.Apps)),
		Sessions:      make([]exportSession, len(v.Sessions)),
		Requests:      requestRows(v.Requests),
		SharedRecords: make([]exportShare, len(v.Shares)),
		Expiration:    exportExpiration{ExpTime: v.Expiration.ExpTime, ExpStatus: v.Expiration.Status, ExpToken: v.Expiration.Token},
	}
	for _, a := range v.Apps {
		res.Apps[a.App] = a.Data
	}
	for i, s := range v.Sessions {
		res.Sessions[i] = exportSession{Session: s.ID, When: s.When, ExpTime: s.ExpTime}
	}
	for i, s := range v.Shares {
		res.SharedRecords[i] = exportShare{Record: s.Record, Target: s.Target, App: s.App, Partner: s.Partner,
			Fields: s.Fields, ExpTime: s.ExpTime, When: s.When}
	}
	res.Agreements, res.LegalBases, res.Audit = exportParts(v.ExportParts)
	w.Header().Set("Content-Disposition", `attachment; filename="piivault-export-`+v.Token+`.json"`)
	h.respond(w, r, http.StatusOK, res)
}
