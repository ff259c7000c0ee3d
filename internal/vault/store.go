package vault

import "context"

// Store is the persistence vault needs. sqlstore implements it for SQLite,
// PostgreSQL and MySQL. It only ever sees ciphertext, wrapped keys and blind
// indexes. Not found is always ErrNotFound (coded), never (nil, nil);
// an unreachable or full database is an EUNAVAILABLE error.
type Store interface {
	Reader
	// Update runs fn in one read-write transaction and commits it durably
	// (fsynced) before returning nil. If fn returns an error the transaction's
	// changes are rolled back and that error is returned. fn may run more than
	// once when the database asks for a retry (deadlock, serialisation), so it
	// must have no effects outside tx. Concurrent Updates may share one commit.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// AppendAuditEvent stores one new, unlinked event in a transaction with
	// no other change and returns nil once it is durable. Concurrent calls
	// may share one commit. It does not set e.ID.
	AppendAuditEvent(ctx context.Context, e *AuditRecord) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database after pending writes are done.
	Close() error
}

// Reader is the read side of the Store, usable outside and inside a transaction.
// Inside an Update, reads of a row lock it for the rest of the transaction.
type Reader interface {
	UserReader
	SessionReader
	TokenReader
	AppReader
	RequestReader
	ShareReader
	ExpirationReader
	LoginReader
	AuditReader
	LegalBasisReader
	AgreementReader
	ActivityReader
	NotificationReader
	UserAgreementReader
}

// Tx is one read-write transaction.
type Tx interface {
	Reader
	UserWriter
	SessionWriter
	TokenWriter
	AppWriter
	RequestWriter
	ShareWriter
	ExpirationWriter
	LoginWriter
	AuditWriter
	LegalBasisWriter
	AgreementWriter
	ActivityWriter
	NotificationWriter
	UserAgreementWriter
}
