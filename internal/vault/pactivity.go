package vault

import (
	"context"
)

// Length limits of the processing-activity fields (§7.3), in characters.
const (
	maxActivityTitle  = 256
	maxActivityScript = 65536
	maxActivityDesc   = 4096
)

// ErrDuplicateBrief and ErrDuplicateActivity are what a store reports when
// a rename or create meets a name that is taken.
var (
	ErrDuplicateBrief    = &Error{Code: ECONFLICT, Message: "duplicate brief"}
	ErrDuplicateActivity = &Error{Code: ECONFLICT, Message: "duplicate activity"}
)

var errBadActivityField = &Error{Code: EINVALID, Message: "bad activity"}

// activityInput holds the fields present in a POST /v1/pactivity body;
// nil fields were absent and keep their value on update.
type activityInput struct {
	name, title, script, fullDesc, applicableTo *string
}

// parseActivityInput checks a POST /v1/pactivity body.
// Errors: EINVALID "bad <field>", "bad activity format" (rename target).
func parseActivityInput(body map[string]any) (activityInput, error) {
	var in activityInput
	if v, ok := body["activity"]; ok && v != nil {
		s, isString := v.(string)
		if !isString {
			return in, errBadActivityField
		}
		n, err := ParseActivity(s)
		if err != nil {
			return in, err
		}
		in.name = &n
	}
	var err error
	setText(&err, body, "title", maxActivityTitle, &in.title)
	setText(&err, body, "script", maxActivityScript, &in.script)
	setText(&err, body, "fulldesc", maxActivityDesc, &in.fullDesc)
	setText(&err, body, "applicableto", maxActivityTitle, &in.applicableTo)
	return in, err
}

func (in activityInput) apply(a *Activity) {
	for _, f := range []struct {
		src *string
		dst *string
	}{{in.name, &a.Name}, {in.title, &a.Title}, {in.script, &a.Script}, {in.fullDesc, &a.FullDesc}, {in.applicableTo, &a.ApplicableTo}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
}

// Activities lists processing activities in creation order, each with its
// linked legal bases in link order; page nil lists all of them.
// Errors: EFORBIDDEN (not root).
func (s *Service) Activities(ctx context.Context, actor Actor, page *Page) ([]Activity, int, error) {
	if actor.Kind != ActorRoot {
		return nil, 0, ErrAccessDenied
	}
	offset, limit := page.window()
	recs, total, err := s.store.Activities(ctx, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Activity, len(recs))
	for i, a := range recs {
		out[i] = *a
	}
	return out, total, nil
}

// SaveActivity creates the activity name from body (title defaults to the
// name), or updates it (absent fields keep their value). An "activity"
// field renames it; on create the new activity takes that name.
// Errors: EFORBIDDEN; EINVALID "bad activity format", "bad <field>";
// ECONFLICT "duplicate activity".
func (s *Service) SaveActivity(ctx context.Context, actor Actor, name string, body map[string]any) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	n, err := ParseActivity(name)
	if err != nil {
		return err
	}
	in, inErr := parseActivityInput(body)
	ev := Event{Title: "save processing activity " + n, Actor: actor}
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		if inErr != nil {
			return inErr
		}
		cur, err := tx.ActivityByName(ctx, n)
		switch {
		case err == nil:
			in.apply(cur)
			return tx.UpdateActivity(ctx, cur)
		case ErrorCode(err) != ENOTFOUND:
			return err
		}
		a := &Activity{Name: n, Created: s.now()}
		in.apply(a)
		if in.title == nil {
			a.Title = a.Name
		}
		return tx.InsertActivity(ctx, a)
	})
}

// DeleteActivity removes an activity and its links.
// Errors: EFORBIDDEN; EINVALID "bad activity format"; ENOTFOUND.
func (s *Service) DeleteActivity(ctx context.Context, actor Actor, name string) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	n, err := ParseActivity(name)
	if err != nil {
		return err
	}
	ev := Event{Title: "delete processing activity " + n, Actor: actor}
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		a, err := tx.ActivityByName(ctx, n)
		if err != nil {
			return err
		}
		return tx.DeleteActivity(ctx, a.ID)
	})
}

// LinkActivity links the legal basis brief to the activity, after the
// bases linked before; linking twice succeeds and keeps the first place.
// A deleted basis cannot be linked (it was unlinked when deleted).
// Errors: EFORBIDDEN; EINVALID "bad activity format", "bad brief format";
// ENOTFOUND (activity or brief).
func (s *Service) LinkActivity(ctx context.Context, actor Actor, activity, brief string) error {
	return s.changeLink(ctx, actor, activity, brief, true)
}

// UnlinkActivity removes the link between the activity and the legal basis
// brief; unlinking an unlinked or unknown brief succeeds.
// Errors: EFORBIDDEN; EINVALID "bad activity format", "bad brief format";
// ENOTFOUND (activity).
func (s *Service) UnlinkActivity(ctx context.Context, actor Actor, activity, brief string) error {
	return s.changeLink(ctx, actor, activity, brief, false)
}

func (s *Service) changeLink(ctx context.Context, actor Actor, activity, brief string, link bool) error {
	if actor.Kind != ActorRoot {
		return ErrAccessDenied
	}
	n, err := ParseActivity(activity)
	if err != nil {
		return err
	}
	b, err := ParseBrief(brief)
	if err != nil {
		return err
	}
	ev := Event{Title: "unlink legal basis " + b + " from " + n, Actor: actor}
	if link {
		ev.Title = "link legal basis " + b + " to " + n
	}
	return s.withAudit(ctx, &ev, func(tx Tx) error {
		a, err := tx.ActivityByName(ctx, n)
		if err != nil {
			return err
		}
		basis, err := tx.LegalBasisByBrief(ctx, b)
		switch {
		case err == nil && basis.Status == BasisDeleted && link:
			return ErrNotFound
		case err == nil && link:
			return tx.LinkBasis(ctx, a.ID, basis.ID)
		case err == nil:
			return tx.UnlinkBasis(ctx, a.ID, basis.ID)
		case ErrorCode(err) == ENOTFOUND && !link:
			return nil
		}
		return err
	})
}

// CookieScript is one script of the cookie settings (§14): an activity's
// script and the cookie-popup bases it is linked to.
type CookieScript struct {
	Script string
	Briefs []string
}

// CookieSettings returns what the cookie banner needs (§14): the active
// legal bases of module cookie-popup in creation order, and one entry per
// processing activity (creation order) that has a script and is linked to
// at least one of them. It needs no credential: nothing in it is personal.
func (s *Service) CookieSettings(ctx context.Context) ([]LegalBasis, []CookieScript, error) {
	recs, _, err := s.store.LegalBases(ctx, 0, allRows)
	if err != nil {
		return nil, nil, err
	}
	rows := []LegalBasis{}
	popup := map[int64]bool{}
	for _, b := range recs {
		if b.Status == BasisActive && b.Module == "cookie-popup" {
			rows = append(rows, *b)
			popup[b.ID] = true
		}
	}
	acts, _, err := s.store.Activities(ctx, 0, allRows)
	if err != nil {
		return nil, nil, err
	}
	scripts := []CookieScript{}
	for _, a := range acts {
		if a.Script == "" {
			continue
		}
		var briefs []string
		for _, b := range a.Bases {
			if popup[b.ID] {
				briefs = append(briefs, b.Brief)
			}
		}
		if len(briefs) > 0 {
			scripts = append(scripts, CookieScript{Script: a.Script, Briefs: briefs})
		}
	}
	return rows, scripts, nil
}
