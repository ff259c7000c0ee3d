package vault

import "context"

// Request statuses (§8).
const (
	RequestOpen     = "open"
	RequestApproved = "approved"
	RequestCanceled = "canceled"
)

// Request actions (§8).
const (
	ActionChangeProfile     = "change-profile"
	ActionForgetMe          = "forget-me"
	ActionChangeAppData     = "change-app-data"
	ActionAgreementWithdraw = "agreement-withdraw"
)

// Reasons the server gives itself; they hold no personal data (§8, §3.5).
const (
	NoteUserOperation = "user operation" // a login token canceled without a reason
	NoteUserErased    = "user erased"    // erasure canceled the open requests
)

// RequestRecord is a request as stored. Change and Reason are sealed under
// the user's data key; Note is a reason the server wrote itself and holds
// no personal data.
type RequestRecord struct {
	RToken    string // a UUID
	UserToken string
	Action    string
	App       string // change-app-data: the app name; "" otherwise
	Brief     string // agreement-withdraw: the legal basis; "" otherwise
	Method    string // change-app-data: "POST" or "PUT"; "" otherwise
	Change    []byte // sealed submitted change, nil when none
	Status    string
	Reason    []byte // sealed reason given by a caller, nil when none
	Note      string // a reason the server set ("user operation", "user erased")
	Created   int64  // Unix seconds
	When      int64  // Unix seconds of the last status change
}

// RequestReader reads requests.
type RequestReader interface {
	// RequestByToken returns the request rtoken. Inside Update the row stays
	// locked until the commit. Errors: ErrNotFound.
	RequestByToken(ctx context.Context, rtoken string) (*RequestRecord, error)
	// OpenRequest returns the open request of the user for (action, app,
	// brief). Errors: ErrNotFound.
	OpenRequest(ctx context.Context, userToken, action, app, brief string) (*RequestRecord, error)
	// RequestsByStatus returns requests of a status, oldest first, and the
	// count of all of them.
	RequestsByStatus(ctx context.Context, status string, offset, limit int) ([]*RequestRecord, int, error)
	// RequestsByUser returns the user's requests of every status, oldest
	// first, and the count of all of them.
	RequestsByUser(ctx context.Context, userToken string, offset, limit int) ([]*RequestRecord, int, error)
}

// RequestWriter changes requests inside a transaction.
type RequestWriter interface {
	// InsertRequest stores a new request. A second open request of one
	// (user, action, app, brief) fails with ECONFLICT "request exists".
	InsertRequest(ctx context.Context, r *RequestRecord) error
	// CloseRequest sets the status (approved or canceled), reason, note and
	// When of an open request. Errors: ErrNotFound when it is not open.
	CloseRequest(ctx context.Context, r *RequestRecord) error
}
