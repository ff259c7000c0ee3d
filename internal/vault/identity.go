package vault

import (
	"strings"
	"unicode"
)

// Mode names how a subject is addressed in a path: /v1/user/{mode}/{identity}.
type Mode string

// The identity modes of the contract (§1.7).
const (
	ModeToken  Mode = "token"
	ModeLogin  Mode = "login"
	ModeEmail  Mode = "email"
	ModePhone  Mode = "phone"
	ModeCustom Mode = "custom"
)

// IndexFields lists the profile fields that carry a blind index, in the order
// uniqueness is checked and conflicts are reported.
var IndexFields = []Mode{ModeLogin, ModeEmail, ModePhone, ModeCustom}

// ParseMode matches s case-insensitively against the five modes.
// It returns ErrBadMode for anything else.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(s)); m {
	case ModeToken, ModeLogin, ModeEmail, ModePhone, ModeCustom:
		return m, nil
	}
	return "", ErrBadMode
}

// Identity is a parsed {mode}/{identity} pair. Value is the normalised form;
// Empty is true when the raw value normalises to nothing and so matches no one.
type Identity struct {
	Mode  Mode
	Value string
	Empty bool
}

// Normalizer turns raw identities into their index form (§1.7). Phone parses a
// number into E.164 with the operator's default region; it reports false when
// the number cannot be parsed.
type Normalizer struct {
	Phone func(raw string) (string, bool)
}

// ParseIdentity checks the syntax of a path identity and normalises it.
// Errors: ErrBadMode, ErrBadUUID (token mode only).
func (n Normalizer) ParseIdentity(mode, raw string) (Identity, error) {
	m, err := ParseMode(mode)
	if err != nil {
		return Identity{}, err
	}
	if m == ModeToken {
		if !IsUUID(raw) {
			return Identity{}, ErrBadUUID
		}
		return Identity{Mode: m, Value: strings.ToLower(raw)}, nil
	}
	v, ok := n.Normalize(m, raw)
	return Identity{Mode: m, Value: v, Empty: !ok}, nil
}

// Normalize returns the index form of raw for mode m, and false when it
// normalises to nothing.
func (n Normalizer) Normalize(m Mode, raw string) (string, bool) {
	var v string
	switch m {
	case ModeToken:
		if !IsUUID(raw) {
			return "", false
		}
		v = strings.ToLower(raw)
	case ModeLogin, ModeCustom:
		v = strings.TrimFunc(raw, unicode.IsSpace)
	case ModeEmail:
		v = strings.ToLower(strings.TrimFunc(raw, unicode.IsSpace))
	case ModePhone:
		if n.Phone == nil {
			return "", false
		}
		p, ok := n.Phone(strings.TrimFunc(raw, unicode.IsSpace))
		if !ok {
			return "", false
		}
		v = p
	}
	return v, v != ""
}

// IsUUID reports whether s has the 8-4-4-4-12 hex shape of a UUID, any case.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
