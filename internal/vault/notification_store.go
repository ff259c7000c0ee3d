package vault

import "context"

// Notification actions (§15).
const (
	NotifyProfileNew    = "profilenew"
	NotifyProfileChange = "profilechange"
	NotifyForgetMe      = "forgetme"
	NotifyConsentChange = "consentchange"
)

// Notification is one outgoing event of §15, queued in the transaction of
// the change it reports and deleted once delivered. It holds no personal
// data: the user token, and for consentchange the basis brief and status.
type Notification struct {
	ID          string // delivery UUID, sent as X-Piivault-Delivery on every attempt
	Action      string // profilenew, profilechange, forgetme or consentchange
	UserToken   string
	Brief       string // consentchange only
	Status      string // consentchange only: the agreement's new status
	Time        int64  // Unix seconds of the change
	Attempts    int    // deliveries tried so far
	NextAttempt int64  // Unix milliseconds at which it is due (or its lease ends)
}

// NotificationReader reads queued notifications.
type NotificationReader interface {
	// DueNotifications returns at most limit notifications with
	// NextAttempt <= now (Unix ms), earliest first. Inside Update the rows
	// stay locked until the commit.
	DueNotifications(ctx context.Context, now int64, limit int) ([]*Notification, error)
}

// NotificationWriter changes queued notifications inside a transaction.
type NotificationWriter interface {
	// InsertNotification queues n.
	InsertNotification(ctx context.Context, n *Notification) error
	// LeaseNotification moves the notification's NextAttempt from from to
	// until and reports whether it did: false when another instance
	// claimed or delivered it meanwhile.
	LeaseNotification(ctx context.Context, id string, from, until int64) (bool, error)
	// RetryNotification records a failed attempt: the attempt count and
	// when the next one is due. A deleted notification is not an error.
	RetryNotification(ctx context.Context, id string, attempts int, next int64) error
	// DeleteNotification removes a delivered or dropped notification;
	// none is not an error.
	DeleteNotification(ctx context.Context, id string) error
}

// UserAgreementReader finds the user-linked agreements a bulk change of
// consent touches, so that each user's change can be reported (§15).
type UserAgreementReader interface {
	// RevocableAgreementUsers returns the users whose yes agreement on the
	// basis has not expired by when: those RevokeAgreements would revoke.
	// Inside Update the rows stay locked until the commit.
	RevocableAgreementUsers(ctx context.Context, basisID, when int64) ([]string, error)
	// DueAgreements returns at most limit yes agreements with
	// 0 < End <= now, lowest ID first, with ID, UserToken and Brief filled.
	DueAgreements(ctx context.Context, now int64, limit int) ([]*AgreementRecord, error)
}

// UserAgreementWriter expires agreements one by one.
type UserAgreementWriter interface {
	// ExpireAgreement sets the agreement to expired, changed at its end
	// time, if it is still yes with 0 < End <= now, and reports whether it did.
	ExpireAgreement(ctx context.Context, id, now int64) (bool, error)
}
