package vault

import "context"

// LegalBasis is a legal basis for processing (§7.1). Nothing in it is
// personal data, so it is stored in the clear.
type LegalBasis struct {
	ID           int64  // store-assigned; rises with creation order
	Brief        string // ^[a-z][a-z0-9-]{1,64}$, unique
	Status       string // active, disabled, deleted
	Module       string
	BasisType    string
	ShortDesc    string
	FullDesc     string
	RequiredMsg  string // "" unless RequiredFlag
	RequiredFlag bool
	UserControl  bool
	Created      int64 // Unix seconds
}

// Legal basis statuses.
const (
	BasisActive   = "active"
	BasisDisabled = "disabled"
	BasisDeleted  = "deleted"
)

// AgreementRecord is an agreement (§7.2) as stored. Its subject is a user
// (UserToken) or, for an email or phone without a user yet, the blind index
// of the normalised identity (SubjectIndex). Who and LastModifiedBy are
// sealed: under the user's data key when the agreement belongs to a user,
// under the agreement's own DataKey otherwise; each bound to Key by AAD.
type AgreementRecord struct {
	ID              int64  // store-assigned; rises with creation order
	Key             string // random UUID naming the row in associated data
	BasisID         int64
	Brief           string // the basis's current brief, filled in by reads
	UserToken       string // "" while held against an identity
	SubjectIndex    string // blind index of the identity; "" once linked to a user
	DataKey         []byte // wrapped key of an identity-held agreement; nil when linked
	Mode            string // mode of Who
	Who             []byte // sealed normalised identity of the last changer; nil after erasure
	LastModifiedBy  []byte // sealed; nil after erasure
	AgreementMethod string
	ReferenceCode   string
	Status          string // yes, no, expired, revoked
	Created         int64
	Start           int64
	End             int64 // 0 = no end
	When            int64 // time of the last change
}

// Agreement statuses.
const (
	AgreementYes     = "yes"
	AgreementNo      = "no"
	AgreementExpired = "expired"
	AgreementRevoked = "revoked"
)

// AgreementSubject names whose agreements a call is about: exactly one of
// the fields is set.
type AgreementSubject struct {
	UserToken string // a user
	Index     string // the blind index of an email or phone without a user
}

// Activity is a processing activity (§7.3).
type Activity struct {
	ID           int64  // store-assigned; rises with creation order
	Name         string // ^[a-z][a-z0-9-]{1,64}$, unique
	Title        string
	Script       string
	FullDesc     string
	ApplicableTo string
	Created      int64
	Bases        []LegalBasis // linked bases in link order, filled in by reads
}

// LegalBasisReader reads legal bases.
type LegalBasisReader interface {
	// LegalBases returns bases of every status in creation order from
	// offset, at most limit of them, and the count of all bases.
	LegalBases(ctx context.Context, offset, limit int) ([]*LegalBasis, int, error)
	// LegalBasisByBrief returns the basis with that brief. Inside Update
	// the row stays locked until the commit. Errors: ErrNotFound.
	LegalBasisByBrief(ctx context.Context, brief string) (*LegalBasis, error)
}

// LegalBasisWriter changes legal bases inside a transaction.
type LegalBasisWriter interface {
	// InsertLegalBasis stores a new basis and sets its ID.
	// Errors: ECONFLICT "duplicate brief".
	InsertLegalBasis(ctx context.Context, b *LegalBasis) error
	// UpdateLegalBasis replaces every field of the basis with b.ID (the
	// brief included, which renames it; agreements and links follow).
	// Errors: ErrNotFound; ECONFLICT "duplicate brief".
	UpdateLegalBasis(ctx context.Context, b *LegalBasis) error
	// DeleteLegalBasis removes a basis that no agreement refers to, and
	// its links. Errors: ErrNotFound.
	DeleteLegalBasis(ctx context.Context, id int64) error
	// BasisHasAgreements reports whether any agreement refers to the basis.
	BasisHasAgreements(ctx context.Context, id int64) (bool, error)
}

// AgreementReader reads agreements.
type AgreementReader interface {
	// AgreementByBasis returns the subject's agreement on the basis. Inside
	// Update the row stays locked until the commit. Errors: ErrNotFound.
	AgreementByBasis(ctx context.Context, basisID int64, subj AgreementSubject) (*AgreementRecord, error)
	// AgreementsBySubject returns the subject's agreements in creation
	// order from offset, at most limit of them, and the count of all.
	AgreementsBySubject(ctx context.Context, subj AgreementSubject, offset, limit int) ([]*AgreementRecord, int, error)
}

// AgreementWriter changes agreements inside a transaction.
type AgreementWriter interface {
	// InsertAgreement stores a new agreement and sets its ID. It reports
	// false, with no error and no change, when the subject already has an
	// agreement on the basis (one committed by a concurrent transaction):
	// the caller reads that one and updates it instead.
	InsertAgreement(ctx context.Context, a *AgreementRecord) (bool, error)
	// UpdateAgreement replaces the subject, sealed fields, method,
	// reference, status and times of the agreement with a.ID.
	// Errors: ErrNotFound.
	UpdateAgreement(ctx context.Context, a *AgreementRecord) error
	// DeleteAgreement removes one agreement. Errors: ErrNotFound.
	DeleteAgreement(ctx context.Context, id int64) error
	// RevokeAgreements sets every yes agreement on the basis to revoked,
	// changed at when, and returns how many.
	RevokeAgreements(ctx context.Context, basisID, when int64) (int, error)
	// ExpireAgreements sets at most limit yes agreements whose end time is
	// set and <= now to expired, changed at their end time, and returns how many.
	ExpireAgreements(ctx context.Context, now int64, limit int) (int, error)
}

// ActivityReader reads processing activities, each with its linked bases.
type ActivityReader interface {
	// Activities returns activities in creation order from offset, at most
	// limit of them, and the count of all activities.
	Activities(ctx context.Context, offset, limit int) ([]*Activity, int, error)
	// ActivityByName returns the activity with that name. Inside Update
	// the row stays locked until the commit. Errors: ErrNotFound.
	ActivityByName(ctx context.Context, name string) (*Activity, error)
}

// ActivityWriter changes processing activities inside a transaction.
type ActivityWriter interface {
	// InsertActivity stores a new activity and sets its ID.
	// Errors: ECONFLICT "duplicate activity".
	InsertActivity(ctx context.Context, a *Activity) error
	// UpdateActivity replaces the fields of the activity with a.ID (the
	// name included, which renames it). Errors: ErrNotFound; ECONFLICT
	// "duplicate activity".
	UpdateActivity(ctx context.Context, a *Activity) error
	// DeleteActivity removes an activity and its links. Errors: ErrNotFound.
	DeleteActivity(ctx context.Context, id int64) error
	// LinkBasis links a basis to an activity after its other bases; a link
	// that exists already is kept where it is.
	LinkBasis(ctx context.Context, activityID, basisID int64) error
	// UnlinkBasis removes the link if there is one.
	UnlinkBasis(ctx context.Context, activityID, basisID int64) error
	// UnlinkBasisEverywhere removes every link of the basis.
	UnlinkBasisEverywhere(ctx context.Context, basisID int64) error
}
