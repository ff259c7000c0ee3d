-- Vault tokens (api.md §12), keyed by the blind index of the token. The
-- token and its value are sealed under the token's own data key. uniq_idx is
-- the blind index of (format, normalised value) of a unique token, NULL
-- otherwise, so UNIQUE settles concurrent unique requests for one value.
CREATE TABLE tokens (
    token_idx    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sealed_token BLOB     NOT NULL,
    datakey      BLOB     NOT NULL,
    sealed_value BLOB     NOT NULL,
    format       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    uniq_idx     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    exptime      BIGINT NOT NULL DEFAULT 0,
    created      BIGINT NOT NULL,
    PRIMARY KEY (token_idx),
    UNIQUE KEY tokens_uniq_idx (uniq_idx),
    KEY tokens_exptime (exptime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
