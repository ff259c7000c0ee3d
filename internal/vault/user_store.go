package vault

import "context"

// UserRecord is a user as stored: ciphertext and blind indexes only.
type UserRecord struct {
	Token   string // user token, a UUID; stays reserved after erasure
	DataKey []byte // wrapped data key; nil once erased
	Profile []byte // sealed profile JSON; nil once erased
	Index   Index  // blind indexes of the index fields; "" when absent
	Created int64  // Unix seconds
	Updated int64  // Unix seconds
	Erased  int64  // Unix seconds of erasure; 0 while live
	// ErasureDue is the time of a pending scheduled erasure (§10, status
	// wait), 0 when none. Read-only: the expiration store owns it.
	ErasureDue int64
}

// Live reports whether the user exists and has not been erased.
func (u *UserRecord) Live() bool { return u.Erased == 0 }

// Index holds the blind indexes of a profile's index fields.
type Index struct {
	Login, Email, Phone, Custom string
}

// Get returns the index of one field.
func (ix Index) Get(field Mode) string {
	switch field {
	case ModeLogin:
		return ix.Login
	case ModeEmail:
		return ix.Email
	case ModePhone:
		return ix.Phone
	case ModeCustom:
		return ix.Custom
	}
	return ""
}

// Set sets the index of one field.
func (ix *Index) Set(field Mode, v string) {
	switch field {
	case ModeLogin:
		ix.Login = v
	case ModeEmail:
		ix.Email = v
	case ModePhone:
		ix.Phone = v
	case ModeCustom:
		ix.Custom = v
	}
}

// UserReader reads user records.
type UserReader interface {
	// UserByToken returns the user with that token, erased ones included.
	// Errors: ErrNotFound.
	UserByToken(ctx context.Context, token string) (*UserRecord, error)
	// UserByIndex returns the live user whose field has blind index hash.
	// Errors: ErrNotFound.
	UserByIndex(ctx context.Context, field Mode, hash string) (*UserRecord, error)
	// ListUsers returns live users in creation order and the count of all live users.
	ListUsers(ctx context.Context, offset, limit int) ([]*UserRecord, int, error)
}

// UserWriter changes user records inside a transaction.
type UserWriter interface {
	// InsertUser stores a new user. A blind index already held by a live user
	// fails with ECONFLICT "duplicate index: <field>", fields checked in the
	// order login, email, phone, custom.
	InsertUser(ctx context.Context, u *UserRecord) error
	// UpdateUser replaces the profile, indexes and Updated time of a live user.
	// Errors: ErrNotFound; ECONFLICT "duplicate index: <field>" as InsertUser.
	UpdateUser(ctx context.Context, u *UserRecord) error
	// EraseUser removes the profile, data key and indexes of a live user and
	// everything else held about them (sessions included), keeping the token
	// reserved.
	// Errors: ErrNotFound.
	EraseUser(ctx context.Context, token string, when int64) error
}
