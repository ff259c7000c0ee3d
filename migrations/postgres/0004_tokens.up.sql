-- Vault tokens (api.md §12), keyed by the blind index of the token. The
-- token and its value are sealed under the token's own data key. uniq_idx is
-- the blind index of (format, normalised value) of a unique token, NULL
-- otherwise, so UNIQUE settles concurrent unique requests for one value.
CREATE TABLE tokens (
    token_idx    VARCHAR(64) NOT NULL,
    sealed_token BYTEA       NOT NULL,
    datakey      BYTEA       NOT NULL,
    sealed_value BYTEA       NOT NULL,
    format       VARCHAR(16) NOT NULL,
    uniq_idx     VARCHAR(64),
    exptime      BIGINT      NOT NULL DEFAULT 0,
    created      BIGINT      NOT NULL,
    CONSTRAINT tokens_token_idx PRIMARY KEY (token_idx),
    CONSTRAINT tokens_uniq_idx UNIQUE (uniq_idx)
);
-- The sweeper's range scan (exptime 0 means never).
CREATE INDEX tokens_exptime ON tokens (exptime);
