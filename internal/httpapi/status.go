package httpapi

import (
	"log/slog"
	"net/http"
)

// status answers GET and HEAD /status and /v1/status (§14): plain-text "OK"
// once storage answers a ping, otherwise 500 "error". No token is needed.
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Ping(r.Context()); err != nil {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "storage ping failed",
			slog.String("request_id", exchangeOf(r).id),
			slog.String("error", err.Error()))
		writeText(w, http.StatusInternalServerError, "error")
		return
	}
	writeText(w, http.StatusOK, "OK")
}
