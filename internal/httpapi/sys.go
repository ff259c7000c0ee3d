package httpapi

import "net/http"

// metricsHandler serves GET /v1/metrics (none guard): the Prometheus text format.
func (h *handler) metricsHandler(w http.ResponseWriter, r *http.Request) {
	h.metrics.Handler().ServeHTTP(w, r)
}

type configurationResponse struct {
	Status        string                    `json:"status"`
	Configuration map[string]map[string]any `json:"configuration"`
}

// configuration serves GET /v1/sys/configuration (R): the effective settings
// under their §16 names with every secret masked (§14).
func (h *handler) configuration(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.ViewConfiguration(r.Context(), actorOf(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	settings := map[string]map[string]any{}
	if h.opts.Configuration != nil {
		settings = h.opts.Configuration()
	}
	h.respond(w, r, http.StatusOK, configurationResponse{Status: "ok", Configuration: settings})
}

// backup serves GET /v1/sys/backup (R): reserved for an encrypted backup
// stream; never a 2xx for nothing (§17 note 23).
func (h *handler) backup(w http.ResponseWriter, r *http.Request) {
	h.respond(w, r, http.StatusNotImplemented, errorResponse{Status: "error", Message: "not implemented"})
}
