package vault

import "context"

// Event describes the audit event of one use case (§1.13, titles in §2).
// Use cases fill it in and hand it to withAudit (changes) or auditRead
// (reads); the audit implementation seals Who, Before and After under the
// subject's data key, chains the event and stores it in the transaction of
// the change, so that no change commits without its event (fail closed).
type Event struct {
	Title  string // the §2 title, with <mode>/<brief>/<activity> filled in
	Actor  Actor  // who acted
	Mode   Mode   // the mode used in the path, "" when none
	Who    string // the normalised identity used in the path (plaintext here, never stored as such)
	Record string // user token of the subject, "" when none
	App    string // app name for app-record events
	Msg    string // the error message for failures; "250 tokens" for bulk token calls
	Before []byte // plaintext JSON copy of the document before a change, or nil
	After  []byte // plaintext JSON copy after a change, or nil
}

// withAudit runs fn and stores ev in the same transaction, so the change and
// its event commit together or not at all. When fn fails with a client error
// (a coded error other than EINTERNAL/EUNAVAILABLE), the failure is recorded
// as an event with status "error" and Msg set to the public message.
//
// Until the audit trail is wired in, it runs fn alone.
func (s *Service) withAudit(ctx context.Context, ev *Event, fn func(tx Tx) error) error {
	return s.store.Update(ctx, fn)
}

// auditRead records the outcome of a read (err nil for success) and returns
// err, or an EUNAVAILABLE error when the event could not be stored: a read's
// event commits before its data is returned (fail closed).
//
// Until the audit trail is wired in, it returns err unchanged.
func (s *Service) auditRead(ctx context.Context, ev *Event, err error) error {
	return err
}
