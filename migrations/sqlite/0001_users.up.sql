-- Users: ciphertext, wrapped data keys and blind indexes only.
-- id gives creation order; erased users keep their token (reserved) and have
-- NULL indexes, so UNIQUE enforces uniqueness among live users only.
CREATE TABLE users (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    token     TEXT    NOT NULL,
    datakey   BLOB,
    profile   BLOB,
    login_idx TEXT,
    email_idx TEXT,
    phone_idx TEXT,
    custom_idx TEXT,
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    erased    INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT users_token UNIQUE (token),
    CONSTRAINT users_login_idx UNIQUE (login_idx),
    CONSTRAINT users_email_idx UNIQUE (email_idx),
    CONSTRAINT users_phone_idx UNIQUE (phone_idx),
    CONSTRAINT users_custom_idx UNIQUE (custom_idx)
);
