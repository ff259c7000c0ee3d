-- Vault tokens (api.md §12), keyed by the blind index of the token. The
-- token and its value are sealed under the token's own data key. uniq_idx is
-- the blind index of (format, normalised value) of a unique token, NULL
-- otherwise, so UNIQUE settles concurrent unique requests for one value.
CREATE TABLE tokens (
    token_idx    TEXT    NOT NULL,
    sealed_token BLOB    NOT NULL,
    datakey      BLOB    NOT NULL,
    sealed_value BLOB    NOT NULL,
    format       TEXT    NOT NULL,
    uniq_idx     TEXT,
    exptime      INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL,
    CONSTRAINT tokens_token_idx PRIMARY KEY (token_idx),
    CONSTRAINT tokens_uniq_idx UNIQUE (uniq_idx)
);
-- The sweeper's range scan (exptime 0 means never).
CREATE INDEX tokens_exptime ON tokens (exptime);
