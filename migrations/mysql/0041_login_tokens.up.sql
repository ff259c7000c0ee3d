-- Login tokens (api.md §1.6), kept only as the SHA-256 of the token. A token
-- reaches user_token only, until exptime; erasing the user deletes them.
CREATE TABLE login_tokens (
    token_hash VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_token VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    exptime    BIGINT NOT NULL,
    created    BIGINT NOT NULL,
    PRIMARY KEY (token_hash),
    KEY login_tokens_user (user_token),
    KEY login_tokens_exptime (exptime)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
