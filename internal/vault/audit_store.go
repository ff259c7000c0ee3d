package vault

import "context"

// AuditRecord is one audit event as stored (§1.13). Who, Before and After
// are sealed under the subject's data key and die with it; WhoDigest holds
// the only "who" kept in the clear, the token digest of §12, which is not
// personal data. The chain fields are empty until the chainer links the
// event (see LinkAudit).
type AuditRecord struct {
	ID        int64  // store-assigned insertion id; lists are newest first by it
	AToken    string // event id, a UUID
	Identity  string // root, login:<user token>, scoped:<name>, anonymous, system
	Mode      string // mode used in the path, "" when none
	Who       []byte // sealed normalised identity, nil when none or not sealable
	WhoDigest string // "sha256:<16 hex>" of a vault token (§12), else ""
	Record    string // user token of the subject, "" when none
	App       string // app name of app-record events
	Msg       string // error message, or the item count of bulk token calls
	Status    string // "ok" or "error"
	Title     string // the §2 title
	When      int64  // Unix seconds
	Before    []byte // sealed copy before a change, nil when none
	After     []byte // sealed copy after a change, nil when none

	Seq        int64  // position in the chain from 1; 0 while not linked
	PrevAToken string // atoken of the previous event in the chain ("" for the first)
	Hash       []byte // AuditMAC(previous Hash, canonical encoding); nil while not linked
}

// AuditAnchor is one end of the stored chain: the head (the last linked
// event) or the checkpoint (the last event removed by retention, where
// verification starts). The zero value is the anchor of an empty chain.
// MAC binds Seq, Hash and AToken under the chain key, so that an anchor
// cannot be moved without the master key.
type AuditAnchor struct {
	Seq    int64
	Hash   []byte
	AToken string
	MAC    []byte
}

// Names of the two anchors.
const (
	AuditHead       = "head"
	AuditCheckpoint = "checkpoint"
)

// AuditReader reads the audit trail.
type AuditReader interface {
	// AuditEvents returns the events of record ("" for every event), newest
	// first by ID, from offset, at most limit of them, and the count of all
	// of them.
	AuditEvents(ctx context.Context, record string, offset, limit int) ([]*AuditRecord, int, error)
	// AuditEvent returns the event with that atoken. Errors: ErrNotFound.
	AuditEvent(ctx context.Context, atoken string) (*AuditRecord, error)
	// AuditChain returns at most limit linked events with Seq > after, in
	// Seq order.
	AuditChain(ctx context.Context, after int64, limit int) ([]*AuditRecord, error)
	// UnlinkedAuditEvents returns at most limit events not yet linked, in
	// ID order.
	UnlinkedAuditEvents(ctx context.Context, limit int) ([]*AuditRecord, error)
	// AuditAnchors returns the head and the checkpoint. Inside Update it
	// locks both until the commit: that lock is what makes one chainer (or
	// pruner) at a time across every instance sharing the database.
	AuditAnchors(ctx context.Context) (head, checkpoint AuditAnchor, err error)
}

// AuditWriter changes the audit trail inside a transaction.
type AuditWriter interface {
	// InsertAuditEvent stores a new, unlinked event and sets e.ID.
	InsertAuditEvent(ctx context.Context, e *AuditRecord) error
	// LinkAuditEvents stores Seq, PrevAToken and Hash of unlinked events.
	// Errors: ErrNotFound when one of them is not an unlinked event (by
	// ID); ECONFLICT when a Seq is taken. On error the transaction must be
	// rolled back: some of the events may have been linked.
	LinkAuditEvents(ctx context.Context, events []*AuditRecord) error
	// SetAuditAnchor replaces the anchor name (AuditHead or AuditCheckpoint).
	SetAuditAnchor(ctx context.Context, name string, a AuditAnchor) error
	// DeleteAuditEvents removes the linked events with Seq <= upTo and
	// returns how many.
	DeleteAuditEvents(ctx context.Context, upTo int64) (int, error)
}
