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
// the started job, whose To is the new active version, and writes the
// audit event "rotate key" (a 409 included).
//
// The event commits in its own transaction right after the rotation's:
// the rotation lives in the KeyJobStore, apart from Store, so the two
// cannot share one. If the event cannot be written the answer is 503 although
// the rotation has started; a retry then answers 409, and the job row
// records the rotation in any case. A rotation changes no personal data,
// which is what fail-closed auditing protects.
// Errors: EFORBIDDEN; ECONFLICT "rotation in progress"; EUNAVAILABLE, also
// when no KeyManager is configured.
func (s *Service) RotateKey(ctx context.Context, actor Actor) (*KeyJob, error) {
	if actor.Kind != ActorRoot {
		return nil, ErrAccessDenied
	}
	if s.opts.KeyManager == nil {
		return nil, ErrUnavailable
	}
	job, err := s.opts.KeyManager.Rotate(ctx)
	if err := s.auditRead(ctx, &Event{Title: "rotate key", Actor: actor}, err); err != nil {
		return nil, err
	}
	return job, nil
}
