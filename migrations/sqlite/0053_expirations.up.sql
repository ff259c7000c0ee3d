-- Scheduled erasure (api.md §10), one row per user with a schedule.
-- expstatus is 'wait' or 'retain'. While waiting, exptoken_idx is the
-- blind index of the retain/delete link token, which itself is kept only
-- sealed under the user's data key (GET /v1/exp/status shows it).
CREATE TABLE expirations (
    user_token   TEXT    NOT NULL,
    exptime      INTEGER NOT NULL,
    expstatus    TEXT    NOT NULL,
    exptoken_idx TEXT,
    exptoken     BLOB,
    CONSTRAINT expirations_pkey PRIMARY KEY (user_token),
    CONSTRAINT expirations_exptoken_idx UNIQUE (exptoken_idx)
);
-- The background job's scan for due erasures.
CREATE INDEX expirations_due ON expirations (expstatus, exptime);
