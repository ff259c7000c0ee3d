package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Rotate starts a key rotation: a new KEK version is stored and becomes
// active for new writes at once in this instance (within the refresh
// interval in the others), and a background job re-wraps every data key
// under it. It returns the job as started.
// Errors: ErrRotationInProgress (ECONFLICT) while a job runs; EUNAVAILABLE.
func (m *KeyManager) Rotate(ctx context.Context) (*KeyJob, error) {
	keks, err := m.store.KEKs(ctx)
	if err != nil {
		return nil, err
	}
	var latest, from int64
	for _, k := range keks {
		latest = max(latest, k.Version)
		if k.Status == KEKActive {
			from = max(from, k.Version)
		}
	}
	now := m.opts.Clock.Now()
	rec, err := m.keys.NewKEK(latest+1, now)
	if err != nil {
		return nil, fmt.Errorf("vault: rotate: %w", err)
	}
	// Every stored data key is under an older version; keys written
	// between this count and the start are caught by the job's recount.
	var total int64
	for _, table := range DataKeyTables {
		counts, err := m.store.CountDataKeys(ctx, table, len(m.keys.WrappedKeyPrefix(1)))
		if err != nil {
			return nil, err
		}
		for _, n := range counts {
			total += n
		}
	}
	job := &KeyJob{ID: NewUUID(), From: from, To: rec.Version, Status: JobRunning, Total: total, Started: now.Unix()}
	if err := m.store.StartKeyJob(ctx, rec, job); err != nil {
		return nil, err
	}
	if err := m.Refresh(ctx); err != nil {
		// Stored and so in effect; this instance catches up on its next round.
		m.log.Error("keyring refresh after rotation failed", "err", err)
	}
	m.log.Info("key rotation started", "job", job.ID, "from", from, "to", rec.Version, "datakeys", total)
	select {
	case m.kick <- struct{}{}:
	default:
	}
	return job, nil
}

// errStaleKeyring aborts a batch when this instance's active version is not
// the job's target, so that nothing is re-wrapped under the wrong version.
var errStaleKeyring = errors.New("vault: the keyring's active version is not the job's target")

// stepResult is what one batch transaction ended with.
type stepResult int

const (
	stepMore     stepResult = iota // rows were re-wrapped or a new pass starts; go on
	stepWaiting                    // nothing left, but other instances may still write under the old version
	stepFinished                   // the job is no longer running
)

// work runs batches of job until it finishes, has to wait, another
// instance holds it, or deadline passes; more says whether to go on at
// once.
func (m *KeyManager) work(ctx context.Context, job *KeyJob, deadline time.Time) (more bool, err error) {
	if m.keys.ActiveVersion() != job.To {
		if err := m.Refresh(ctx); err != nil {
			return false, err
		}
		if m.keys.ActiveVersion() != job.To {
			return false, fmt.Errorf("%w: active %d, job %d", errStaleKeyring, m.keys.ActiveVersion(), job.To)
		}
	}
	keks, err := m.store.KEKs(ctx)
	if err != nil {
		return false, err
	}
	for ctx.Err() == nil {
		began := time.Now()
		res, err := m.step(ctx, job.ID, keks)
		if err != nil {
			return false, err
		}
		if res != stepMore {
			return false, nil
		}
		if time.Now().After(deadline) {
			return true, nil
		}
		// Rest as long as the batch took: the writer (SQLite's single one,
		// or the rows' locks elsewhere) is the requests' half the time.
		// Measured on SQLite with 6 clients: back-to-back batches cut
		// request throughput to a third for the length of the job.
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Since(began), maxBatchRest)):
		}
	}
	return false, ctx.Err()
}

// step runs one batch transaction of job id: it re-wraps up to BatchSize
// data keys after the cursor and moves the cursor, or, at the end of a
// pass, counts what is left and starts another pass, waits, or finishes
// the job and retires the old versions. keks are the stored versions.
func (m *KeyManager) step(ctx context.Context, id string, keks []KEKRecord) (stepResult, error) {
	var res stepResult
	var failure error
	err := m.store.UpdateKeyJob(ctx, id, func(tx KeyJobTx, job *KeyJob) error {
		res, failure = stepMore, nil
		if job.Status != JobRunning {
			res = stepFinished
			return nil
		}
		if m.keys.ActiveVersion() != job.To {
			return errStaleKeyring
		}
		skip := m.keys.WrappedKeyPrefix(job.To)
		i := max(slices.Index(DataKeyTables, job.Table), 0)
		for ; i < len(DataKeyTables); i++ {
			table := DataKeyTables[i]
			after := ""
			if table == job.Table {
				after = job.Cursor
			}
			rows, err := tx.DataKeysAfter(ctx, table, after, skip, m.opts.BatchSize)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				continue
			}
			if failure, err = m.rewrap(ctx, tx, job, table, rows); err != nil {
				return err
			}
			if failure != nil {
				job.Status, job.Reason, job.Finished = JobFailed, failure.Error(), m.opts.Clock.Now().Unix()
				res = stepFinished
			}
			return tx.SaveKeyJob(ctx, job)
		}
		// A pass has ended: whatever is still under another version was
		// written behind the cursor by an instance that had not yet seen
		// the rotation, and needs one more pass.
		left, err := m.leftOver(ctx, tx, skip)
		if err != nil {
			return err
		}
		job.Table, job.Cursor = DataKeyTables[len(DataKeyTables)-1], ""
		now := m.opts.Clock.Now()
		switch {
		case left > 0:
			job.Table = ""
			job.Total = job.Done + left
		case now.Before(time.Unix(job.Started, 0).Add(2 * m.opts.Refresh)):
			// Other instances switch within one refresh interval; until
			// that has surely passed they may still wrap under the old one.
			res = stepWaiting
		default:
			for _, k := range keks {
				if k.Version != job.To && k.Status != KEKRetired {
					if err := tx.SetKEKStatus(ctx, k.Version, KEKRetired); err != nil {
						return err
					}
				}
			}
			job.Status, job.Finished, job.Total = JobDone, now.Unix(), job.Done
			res = stepFinished
		}
		return tx.SaveKeyJob(ctx, job)
	})
	if err != nil {
		return 0, err
	}
	if failure != nil {
		m.log.Error("key rotation failed", "job", id, "err", failure)
	} else if res == stepFinished {
		m.log.Info("key rotation finished", "job", id)
	}
	return res, nil
}

// rewrap re-wraps rows of table under the active version, replacing each
// wrapped key that is still what was read, and advances job's cursor. A
// data key that does not open is a failure of the job (damage or
// tampering, which an operator must look at, not something to retry); its
// message names the table, never the row. err is a fault of the
// transaction, retried on the next round.
func (m *KeyManager) rewrap(ctx context.Context, tx KeyJobTx, job *KeyJob, table string, rows []WrappedKey) (failure, err error) {
	for _, r := range rows {
		next, err := m.keys.RewrapDataKey(r.Wrapped, AAD(table, "datakey", r.Row))
		if err != nil {
			return fmt.Errorf("a data key in %s does not open: %w", table, err), nil
		}
		ok, err := tx.ReplaceDataKey(ctx, table, r.Row, r.Wrapped, next)
		if err != nil {
			return nil, err
		}
		if ok {
			job.Done++
		}
		job.Table, job.Cursor = table, r.Cursor
	}
	job.Total = max(job.Total, job.Done)
	return nil, nil
}

// leftOver counts the data keys of every table not wrapped under the
// version whose prefix is skip.
func (m *KeyManager) leftOver(ctx context.Context, tx KeyJobTx, skip []byte) (int64, error) {
	var left int64
	for _, table := range DataKeyTables {
		counts, err := tx.CountDataKeys(ctx, table, len(skip))
		if err != nil {
			return 0, err
		}
		for prefix, n := range counts {
			if prefix != string(skip) {
				left += n
			}
		}
	}
	return left, nil
}
