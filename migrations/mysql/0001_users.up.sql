-- Users: ciphertext, wrapped data keys and blind indexes only.
-- id gives creation order; erased users keep their token (reserved) and have
-- NULL indexes, so UNIQUE enforces uniqueness among live users only.
-- Key names are <table>_<column>: sqlstore maps them back to fields.
-- Tokens and indexes are ASCII compared byte for byte: a case-insensitive
-- collation would merge distinct hex digests or tokens.
CREATE TABLE users (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token      VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    datakey    LONGBLOB,
    profile    LONGBLOB,
    login_idx  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    email_idx  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    phone_idx  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    custom_idx VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    created    BIGINT NOT NULL,
    updated    BIGINT NOT NULL,
    erased     BIGINT NOT NULL DEFAULT 0,
    UNIQUE KEY users_token (token),
    UNIQUE KEY users_login_idx (login_idx),
    UNIQUE KEY users_email_idx (email_idx),
    UNIQUE KEY users_phone_idx (phone_idx),
    UNIQUE KEY users_custom_idx (custom_idx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
