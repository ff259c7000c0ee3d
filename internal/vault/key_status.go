package vault

import "context"

// KeyStatus describes the keyring for GET /v1/sys/keys and `piivault keys`.
// It holds no key material, wrapped or not.
type KeyStatus struct {
	Active   int64       // the version wrapping new data keys
	Keys     []KEKStatus // every version, oldest first
	Rotation *KeyJob     // the latest job; nil when none has run
}

// KEKStatus describes one KEK version.
type KEKStatus struct {
	Version     int64
	Status      string // KEKActive, KEKRetiring or KEKRetired, by what it wraps now
	Created     int64  // Unix seconds
	DataKeys    int64  // data keys it wraps now
	Encryptions int64  // data keys it has wrapped, saved totals of every instance
}

// Status reports the KEK versions, what each wraps and the latest job.
// A version other than the active one is "retiring" while it still wraps
// data keys and "retired" once it wraps none, whatever the job's progress
// (api.md §14). Counting reads every wrapped key's header, so the answer
// costs a scan of the subject tables.
// Errors: EUNAVAILABLE.
func (m *KeyManager) Status(ctx context.Context) (KeyStatus, error) {
	keks, err := m.store.KEKs(ctx)
	if err != nil {
		return KeyStatus{}, err
	}
	enc, err := m.store.Encryptions(ctx)
	if err != nil {
		return KeyStatus{}, err
	}
	n := len(m.keys.WrappedKeyPrefix(1))
	counts := map[string]int64{}
	for _, table := range DataKeyTables {
		c, err := m.store.CountDataKeys(ctx, table, n)
		if err != nil {
			return KeyStatus{}, err
		}
		for prefix, k := range c {
			counts[prefix] += k
		}
	}
	var st KeyStatus
	for _, k := range keks {
		if k.Status == KEKActive {
			st.Active = max(st.Active, k.Version)
		}
	}
	for _, k := range keks {
		ks := KEKStatus{
			Version:     k.Version,
			Status:      KEKRetired,
			Created:     k.Created,
			DataKeys:    counts[string(m.keys.WrappedKeyPrefix(k.Version))],
			Encryptions: enc[k.Version],
		}
		switch {
		case k.Version == st.Active:
			ks.Status = KEKActive
		case ks.DataKeys > 0:
			ks.Status = KEKRetiring
		}
		st.Keys = append(st.Keys, ks)
	}
	job, err := m.store.LatestKeyJob(ctx)
	switch {
	case err == nil:
		st.Rotation = job
	case ErrorCode(err) != ENOTFOUND:
		return KeyStatus{}, err
	}
	return st, nil
}
