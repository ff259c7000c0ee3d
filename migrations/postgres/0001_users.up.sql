-- Users: ciphertext, wrapped data keys and blind indexes only.
-- id gives creation order; erased users keep their token (reserved) and have
-- NULL indexes, so UNIQUE enforces uniqueness among live users only.
-- Constraint names are <table>_<column>: sqlstore maps them back to fields.
CREATE TABLE users (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token      VARCHAR(36) NOT NULL,
    datakey    BYTEA,
    profile    BYTEA,
    login_idx  VARCHAR(64),
    email_idx  VARCHAR(64),
    phone_idx  VARCHAR(64),
    custom_idx VARCHAR(64),
    created    BIGINT NOT NULL,
    updated    BIGINT NOT NULL,
    erased     BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT users_token UNIQUE (token),
    CONSTRAINT users_login_idx UNIQUE (login_idx),
    CONSTRAINT users_email_idx UNIQUE (email_idx),
    CONSTRAINT users_phone_idx UNIQUE (phone_idx),
    CONSTRAINT users_custom_idx UNIQUE (custom_idx)
);
