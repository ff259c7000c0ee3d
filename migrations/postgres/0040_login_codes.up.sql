-- Pending one-time login codes (api.md §6), one per user. The code is kept
-- only as a keyed hash of the user token and the code; attempts counts the
-- wrong codes tried.
CREATE TABLE login_codes (
    user_token VARCHAR(36) NOT NULL,
    code_hash  VARCHAR(64) NOT NULL,
    exptime    BIGINT      NOT NULL,
    attempts   INTEGER     NOT NULL DEFAULT 0,
    created    BIGINT      NOT NULL,
    CONSTRAINT login_codes_user_token PRIMARY KEY (user_token)
);
-- The sweeper's range scan.
CREATE INDEX login_codes_exptime ON login_codes (exptime);
