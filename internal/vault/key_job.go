package vault

import "context"

// Status values of a KeyJob.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Status values of a KEK version (api.md §14).
const (
	KEKActive   = "active"   // wraps new data keys
	KEKRetiring = "retiring" // no new data keys, still wraps some
	KEKRetired  = "retired"  // wraps none
)

// KeyJob is one key rotation: it re-wraps every data key that To does not
// wrap yet. The stored row is the resume point: Table and Cursor name the
// last row re-wrapped, and each batch commits its rows and the cursor
// together, so a crash loses no work and repeats none.
type KeyJob struct {
	ID       string // UUID
	From     int64  // the version that was active when the job started
	To       int64  // the version every data key is re-wrapped under
	Status   string // JobRunning, JobDone, JobFailed
	Done     int64  // data keys re-wrapped so far
	Total    int64  // data keys to re-wrap: Done plus what is left
	Table    string // table the cursor is in; "" before the first batch
	Cursor   string // where the last batch stopped in Table, in the store's own terms
	Started  int64  // Unix seconds
	Finished int64  // Unix seconds; 0 while running
	Reason   string // why a failed job failed; never personal data
}

// WrappedKey is one row's wrapped data key, as a re-wrap batch reads it.
type WrappedKey struct {
	Row     string // the row key that AAD(table, "datakey", Row) binds
	Cursor  string // the row's position, for KeyJob.Cursor and DataKeysAfter
	Wrapped []byte
}

// ErrJobLocked means another caller, in this or another instance, is
// running a batch of the job right now.
var ErrJobLocked = &Error{Code: ECONFLICT, Message: "job locked"}

// ErrRotationInProgress is the contract's 409 while a key job runs (§14).
var ErrRotationInProgress = &Error{Code: ECONFLICT, Message: "rotation in progress"}

// KeyJobStore is the storage of key rotation, kept apart from Store so that
// the request path never depends on it. sqlstore implements it.
//
// Tables are named by their SQL name ("users", "sessions", "tokens"); each
// holds its wrapped data key in a column bound to AAD(table, "datakey", row
// key).
type KeyJobStore interface {
	KeyStore
	// StartKeyJob, in one transaction, marks every "active" KEK "retiring",
	// stores kek as the new active version and stores job as running.
	// Errors: ErrRotationInProgress (ECONFLICT) while another job runs or
	// when kek's version exists already, and nothing changes; EUNAVAILABLE.
	StartKeyJob(ctx context.Context, kek KEKRecord, job *KeyJob) error
	// LatestKeyJob returns the job started last.
	// Errors: ErrNotFound when none has run; EUNAVAILABLE.
	LatestKeyJob(ctx context.Context) (*KeyJob, error)
	// CountDataKeys counts the wrapped data keys of table by their first n
	// bytes. Rows without a key (erased) are not counted.
	// Errors: EUNAVAILABLE.
	CountDataKeys(ctx context.Context, table string, n int) (map[string]int64, error)
	// UpdateKeyJob runs fn in one transaction that holds the lock of job id,
	// so that across all instances one caller at a time works on a job, and
	// commits it when fn returns nil. fn may run again on a retry.
	// Errors: ErrJobLocked, without waiting, when another caller holds the
	// lock; ErrNotFound; fn's error; EUNAVAILABLE.
	UpdateKeyJob(ctx context.Context, id string, fn func(tx KeyJobTx, job *KeyJob) error) error
	// AddEncryptions adds per-version counts to the stored totals.
	// Errors: EUNAVAILABLE.
	AddEncryptions(ctx context.Context, counts map[int64]int64) error
	// Encryptions returns the stored total of encryptions per KEK version.
	// Errors: EUNAVAILABLE.
	Encryptions(ctx context.Context) (map[int64]int64, error)
}

// KeyJobTx is the transaction UpdateKeyJob gives its fn.
type KeyJobTx interface {
	// DataKeysAfter returns up to limit rows of table that come after the
	// cursor after ("" = from the start) and whose wrapped key does not
	// begin with skip, in an order the store chooses and keeps (storage
	// order, so that a batch touches few pages); each row's Cursor resumes
	// after it.
	DataKeysAfter(ctx context.Context, table, after string, skip []byte, limit int) ([]WrappedKey, error)
	// ReplaceDataKey sets the wrapped key of row to next if it is still old,
	// and reports whether it did: a row erased or changed meanwhile is left.
	ReplaceDataKey(ctx context.Context, table, row string, old, next []byte) (bool, error)
	// CountDataKeys is KeyJobStore.CountDataKeys inside the transaction.
	CountDataKeys(ctx context.Context, table string, n int) (map[string]int64, error)
	// SaveKeyJob stores the job's Status, Done, Total, Table, Cursor,
	// Finished and Reason. A job that is no longer running frees the slot
	// for the next one.
	SaveKeyJob(ctx context.Context, job *KeyJob) error
	// SetKEKStatus sets the status of a KEK version. Errors: ErrNotFound.
	SetKEKStatus(ctx context.Context, version int64, status string) error
}
