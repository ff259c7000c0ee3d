package vault

import (
	"context"
	"fmt"
)

// requestProfileChange files a login token's profile change for approval
// (§3.4) once it is known to apply to the current profile: a request that
// could never be applied is refused at once. patch is not empty.
// Errors: EINVALID "failed to apply patch", "bad <field>"; ENOTFOUND.
func (s *Service) requestProfileChange(ctx context.Context, actor Actor, id Identity, user *UserRecord, patch any) (ChangeResult, error) {
	ev := Event{Title: "user change-profile request", Actor: actor, Mode: id.Mode, Who: id.Value, Record: user.Token}
	change, err := EncodeDocument(patch)
	if err != nil {
		return ChangeResult{}, Wrap(EINVALID, "failed to decode request body", err)
	}
	var res ChangeResult
	err = s.withAudit(ctx, &ev, func(tx Tx) error {
		if _, _, _, err := s.patchedProfile(ctx, tx, user.Token, patch); err != nil {
			return err
		}
		var err error
		res, err = s.openRequest(ctx, tx, user, ActionChangeProfile, "", "", change)
		return err
	})
	if err != nil {
		return ChangeResult{}, err
	}
	s.requestFiled(res, ActionChangeProfile)
	return res, nil
}

// requestForgetMe files a login token's erasure for approval (§3.5).
// Errors: ENOTFOUND.
func (s *Service) requestForgetMe(ctx context.Context, actor Actor, id Identity, user *UserRecord) (ChangeResult, error) {
	ev := Event{Title: "user forget-me request", Actor: actor, Mode: id.Mode, Who: id.Value, Record: user.Token}
	var res ChangeResult
	err := s.withAudit(ctx, &ev, func(tx Tx) error {
		var err error
		res, err = s.openRequest(ctx, tx, user, ActionForgetMe, "", "", nil)
		return err
	})
	if err != nil {
		return ChangeResult{}, err
	}
	s.requestFiled(res, ActionForgetMe)
	return res, nil
}

// patchProfile applies patch to the live user's profile inside tx as root
// would (§3.4: merge patch or JSON Patch, re-indexed), and returns the old
// and new plaintext: the approval of a change-profile request.
// Errors: ENOTFOUND; EINVALID "failed to apply patch", "bad <field>";
// ECONFLICT "duplicate index: <field>".
func (s *Service) patchProfile(ctx context.Context, tx Tx, token string, patch any) (before, after []byte, err error) {
	cur, before, after, err := s.patchedProfile(ctx, tx, token, patch)
	if err != nil {
		return nil, nil, err
	}
	old, err := tx.UserByToken(ctx, token) // the stored indexes, before the change
	if err != nil {
		return nil, nil, err
	}
	if err := tx.UpdateUser(ctx, cur); err != nil {
		return nil, nil, err
	}
	if err := s.notify(ctx, tx, NotifyProfileChange, cur.Token, "", ""); err != nil {
		return nil, nil, err
	}
	// A new email or phone takes over the agreements held against it (§7.2).
	return before, after, s.linkUserAgreements(ctx, tx, cur, old.Index)
}

// patchedProfile computes what patchProfile would store without storing
// it: the user record with its new sealed profile and indexes, and the old
// and new plaintext. It mirrors UpdateUser's transaction.
func (s *Service) patchedProfile(ctx context.Context, tx Tx, token string, patch any) (cur *UserRecord, before, after []byte, err error) {
	if cur, err = s.lockUser(ctx, tx, token); err != nil {
		return nil, nil, nil, err
	}
	dk, err := s.userKey(cur)
	if err != nil {
		return nil, nil, nil, err
	}
	if before, err = dk.Open(cur.Profile, userProfileAAD(cur.Token)); err != nil {
		return nil, nil, nil, Wrap(EINTERNAL, "internal error", fmt.Errorf("vault: open profile: %w", err))
	}
	doc, err := decodeObject(before)
	if err != nil {
		return nil, nil, nil, Wrap(EINTERNAL, "internal error", err)
	}
	if doc, err = ApplyPatch(doc, patch); err != nil {
		return nil, nil, nil, err
	}
	if cur.Index, err = s.indexes(doc); err != nil {
		return nil, nil, nil, err
	}
	if after, err = EncodeDocument(doc); err != nil {
		return nil, nil, nil, errPatch
	}
	cur.Profile = dk.Seal(after, userProfileAAD(cur.Token))
	cur.Updated = s.now()
	return cur, before, after, nil
}
