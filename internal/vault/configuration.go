package vault

import "context"

// ViewConfiguration authorises and records a look at the effective settings
// (GET /v1/sys/configuration, audit title "view configuration"). The caller
// shows the settings only when it returns nil, so the view is audited before
// anything is disclosed (fail closed).
// Errors: EFORBIDDEN (not root); EUNAVAILABLE when the event cannot be stored.
func (s *Service) ViewConfiguration(ctx context.Context, actor Actor) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	return s.auditRead(ctx, &Event{Title: "view configuration", Actor: actor}, nil)
}
