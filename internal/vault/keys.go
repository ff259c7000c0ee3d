package vault

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// KeyRotator is the keyring as a KeyManager needs it, beyond Keys.
// envelope.Keyring implements it.
type KeyRotator interface {
	Keys
	// ActiveVersion returns the KEK version that wraps new data keys.
	ActiveVersion() int64
	// NewKEK returns a new KEK record of version, sealed under the master key.
	NewKEK(version int64, now time.Time) (KEKRecord, error)
	// Reload brings the keyring up to date with the stored KEKs.
	Reload(keks []KEKRecord) error
	// RewrapDataKey re-wraps a data key under the active version, dropping
	// any cached copy of the old wrapped form.
	RewrapDataKey(wrapped, aad []byte) ([]byte, error)
	// WrappedKeyPrefix returns the bytes every data key wrapped under
	// version begins with.
	WrappedKeyPrefix(version int64) []byte
	// Encryptions returns the data keys wrapped per version by this process.
	Encryptions() map[int64]uint64
}

// DataKeyTables are the tables whose rows each hold a wrapped data key,
// bound to AAD(table, "datakey", row key). A rotation re-wraps them in this
// order; a new kind of subject with its own data key is one more entry here
// and in sqlstore.
var DataKeyTables = []string{"users", "sessions", "tokens", "agreements"}

// Defaults of KeyManagerOptions.
const (
	DefaultRotationBatch   = 500
	DefaultKeyRefresh      = 2 * time.Second
	DefaultRotateAfter     = 1 << 30
	maxRotationBatch       = 10000
	encryptionFlushTimeout = 5 * time.Second
	maxBatchRest           = time.Second // bounds the pause after a slow batch
)

// KeyManagerOptions configure a KeyManager. Zero values take the defaults.
type KeyManagerOptions struct {
	// BatchSize bounds the data keys one re-wrap transaction changes
	// (keys.rotation_batch_size), default 500, at most 10000: small enough
	// that requests interleave, large enough to amortise the commit.
	BatchSize int
	// Refresh is how often the keyring is reloaded from the database, the
	// encryption counts are saved and a waiting job is looked at
	// (keys.refresh_interval), default 2s. A rotation started on another
	// instance is used for new writes here within this time.
	Refresh time.Duration
	// RotateAfter starts a rotation once the active version has wrapped
	// this many data keys across all instances
	// (keys.rotate_after_encryptions), default 2^30: a quarter of the 2^32
	// messages AES-GCM allows one key with random nonces, leaving room for
	// counts not yet saved. Negative turns automatic rotation off.
	RotateAfter int64
	// Clock defaults to the system clock.
	Clock Clock
	// Logger receives progress and faults; default discards. Nothing
	// logged names a subject.
	Logger *slog.Logger
}

// KeyManager runs the key lifecycle of one instance: it starts rotations,
// keeps the keyring in step with the database, re-wraps data keys in the
// background and counts encryptions. The request path never waits for it.
// It is safe for concurrent use.
type KeyManager struct {
	store KeyJobStore
	keys  KeyRotator
	opts  KeyManagerOptions
	log   *slog.Logger
	kick  chan struct{} // wakes Run after a rotation started here

	mu      sync.Mutex
	flushed map[int64]uint64 // encryptions already added to the stored totals
}

// NewKeyManager returns a KeyManager over store and keys.
func NewKeyManager(store KeyJobStore, keys KeyRotator, opts KeyManagerOptions) *KeyManager {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultRotationBatch
	}
	opts.BatchSize = min(opts.BatchSize, maxRotationBatch)
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultKeyRefresh
	}
	if opts.RotateAfter == 0 {
		opts.RotateAfter = DefaultRotateAfter
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &KeyManager{
		store: store, keys: keys, opts: opts, log: log,
		kick: make(chan struct{}, 1), flushed: map[int64]uint64{},
	}
}

// Run keeps the keyring current, saves encryption counts, rotates
// automatically at the threshold and works on a running job, until ctx
// ends; then it saves the counts once more. Faults are logged and retried
// on the next round: Run never gives up.
func (m *KeyManager) Run(ctx context.Context) {
	t := time.NewTicker(m.opts.Refresh)
	defer t.Stop()
	for ctx.Err() == nil {
		if !m.Tick(ctx) {
			select {
			case <-ctx.Done():
			case <-t.C:
			case <-m.kick:
			}
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), encryptionFlushTimeout)
	defer cancel()
	m.SaveEncryptions(fctx)
}

// SaveEncryptions adds what this process has wrapped since the last save
// to the stored totals; Run does it every round and when it ends. A
// failure is logged and retried on the next save.
func (m *KeyManager) SaveEncryptions(ctx context.Context) { m.flushEncryptions(ctx) }

// Tick does one round of Run's work and reports whether the running job
// has more to do at once. Tests and the CLI call it directly.
func (m *KeyManager) Tick(ctx context.Context) (more bool) {
	if err := m.Refresh(ctx); err != nil {
		m.log.Error("keyring refresh failed", "err", err)
	}
	m.flushEncryptions(ctx)
	m.rotateAtThreshold(ctx)
	job, err := m.store.LatestKeyJob(ctx)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return false
	case err != nil:
		m.log.Error("reading the key job failed", "err", err)
		return false
	case job.Status != JobRunning:
		return false
	}
	more, err = m.work(ctx, job, time.Now().Add(m.opts.Refresh))
	if err != nil && !errors.Is(err, ErrJobLocked) && ctx.Err() == nil {
		m.log.Error("key rotation batch failed; retrying", "job", job.ID, "err", err)
	}
	return more
}

// Refresh reloads the keyring from the stored KEKs.
// Errors: EUNAVAILABLE; an uncoded error when a stored KEK does not open.
func (m *KeyManager) Refresh(ctx context.Context) error {
	keks, err := m.store.KEKs(ctx)
	if err != nil {
		return err
	}
	return m.keys.Reload(keks)
}

// flushEncryptions adds what this process wrapped since the last flush to
// the stored totals.
func (m *KeyManager) flushEncryptions(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.keys.Encryptions()
	delta := make(map[int64]int64, len(now))
	for v, n := range now {
		if d := n - m.flushed[v]; d > 0 {
			delta[v] = int64(d)
		}
	}
	if len(delta) == 0 {
		return
	}
	if err := m.store.AddEncryptions(ctx, delta); err != nil {
		m.log.Warn("saving encryption counts failed; retrying", "err", err)
		return
	}
	for v, n := range now {
		m.flushed[v] = n
	}
}

// rotateAtThreshold starts a rotation when the active version has wrapped
// RotateAfter data keys, counted over every instance.
func (m *KeyManager) rotateAtThreshold(ctx context.Context) {
	if m.opts.RotateAfter < 0 {
		return
	}
	totals, err := m.store.Encryptions(ctx)
	if err != nil {
		m.log.Warn("reading encryption counts failed", "err", err)
		return
	}
	active := m.keys.ActiveVersion()
	if totals[active] < m.opts.RotateAfter {
		return
	}
	job, err := m.Rotate(ctx)
	switch {
	case errors.Is(err, ErrRotationInProgress):
	case err != nil:
		m.log.Error("automatic key rotation failed", "version", active, "err", err)
	default:
		m.log.Info("automatic key rotation started", "job", job.ID, "from", job.From, "to", job.To,
			"encryptions", totals[active], "limit", m.opts.RotateAfter)
	}
}
