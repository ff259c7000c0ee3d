package vault

import (
	"context"
	"fmt"
	"iter"
)

// ErasureLog records erasures outside the database, so that restoring an
// older backup cannot bring an erased person back: ReplayErasures erases
// again whatever the restored database still holds. internal/ledger
// implements it as an append-only, hash-chained file.
type ErasureLog interface {
	// Append durably records that the user token was erased at when (Unix
	// seconds) before it returns nil.
	Append(ctx context.Context, token string, when int64) error
}

// Erasure is one entry of the erasure ledger.
type Erasure struct {
	Token string // user token
	When  int64  // Unix seconds
}

// logErasure appends an erasure to the ledger, if one is configured.
//
// It runs before the erasure's transaction commits. The other order has a
// window, a crash between commit and append, in which an erasure is done
// but not recorded, and a later restore of an older backup would bring the
// person back. This order's window leaves an entry for an erasure that did
// not commit (crash, or a database error the caller sees as 503): replay
// then completes an erasure that an authorised caller asked for, of a user
// who was live when it was asked. A failed append refuses the erasure
// (503), so that no erasure happens unrecorded.
func (s *Service) logErasure(ctx context.Context, token string, when int64) error {
	if s.opts.Erasures == nil {
		return nil
	}
	if err := s.opts.Erasures.Append(ctx, token, when); err != nil {
		return Wrap(EUNAVAILABLE, ErrUnavailable.Message, fmt.Errorf("vault: erasure ledger: %w", err))
	}
	return nil
}

// ReplayResult counts what ReplayErasures did.
type ReplayResult struct {
	Entries int // ledger entries read
	Erased  int // users erased again
}

// ReplayErasures erases every user named by entries who is still live in
// the database, with the erasure time of the entry, as EraseUser would but
// without appending to the ledger again. A token the database has never
// seen is skipped: the user was created after the backup was taken. It
// stops at the first error of entries (a broken ledger) or of the store.
// Errors: those of entries; EUNAVAILABLE.
func (s *Service) ReplayErasures(ctx context.Context, entries iter.Seq2[Erasure, error]) (ReplayResult, error) {
	var res ReplayResult
	for e, err := range entries {
		if err != nil {
			return res, err
		}
		res.Entries++
		rec, err := s.store.UserByToken(ctx, e.Token)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			continue
		case err != nil:
			return res, err
		case !rec.Live():
			continue
		}
		err = s.store.Update(ctx, func(tx Tx) error {
			if err := tx.EraseUser(ctx, e.Token, max(e.When, 1)); err != nil {
				return err
			}
			// The restored database may predate the queued notification.
			return s.notify(ctx, tx, NotifyForgetMe, e.Token, "", "")
		})
		switch {
		case ErrorCode(err) == ENOTFOUND: // erased meanwhile
			continue
		case err != nil:
			return res, err
		}
		s.keys.ForgetDataKey(rec.DataKey)
		res.Erased++
	}
	return res, nil
}
