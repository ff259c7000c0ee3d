-- Login tokens (api.md §1.6), kept only as the SHA-256 of the token. A token
-- reaches user_token only, until exptime; erasing the user deletes them.
CREATE TABLE login_tokens (
    token_hash TEXT    NOT NULL,
    user_token TEXT    NOT NULL,
    exptime    INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    CONSTRAINT login_tokens_token_hash PRIMARY KEY (token_hash)
);
-- Erasure deletes a user's tokens; the sweeper scans by expiry.
CREATE INDEX login_tokens_user ON login_tokens (user_token);
CREATE INDEX login_tokens_exptime ON login_tokens (exptime);
