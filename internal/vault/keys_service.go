package vault

import "context"

// KeyStatus answers GET /v1/sys/keys (§14): root only.
// Errors: EFORBIDDEN; EUNAVAILABLE, also when no KeyManager is configured.
func (s *Service) KeyStatus(ctx context.Context, actor Actor) (KeyStatus, error) {
	if actor.Kind != ActorRoot {
		return KeyStatus{}, ErrAccessDenied
	}
	if s.opts.KeyManager == nil {
		return KeyStatus{}, ErrUnavailable
	}
	return s.opts.KeyManager.Status(ctx)
}

// RotateKey answers POST /v1/sys/rotate-key (§14): root only. It returns
// the started job, whose To is the new active version.
// Errors: EFORBIDDEN; ECONFLICT "rotation in progress"; EUNAVAILABLE, also
// when no KeyManager is configured.
func (s *Service) RotateKey(ctx context.Context, actor Actor) (*KeyJob, error) {
	if actor.Kind != ActorRoot {
		return nil, ErrAccessDenied
	}
	if s.opts.KeyManager == nil {
		return nil, ErrUnavailable
	}
	return s.opts.KeyManager.Rotate(ctx)
}
