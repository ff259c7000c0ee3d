-- App records (api.md §4): one document per (user, app name), sealed under
-- the user's data key. App names are not personal data and stay in the
-- clear so that GET /v1/userapps can list them. Erasure deletes the rows.
CREATE TABLE userapps (
    user_token VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    appname    VARCHAR(31) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    data       LONGBLOB NOT NULL,
    created    BIGINT NOT NULL,
    updated    BIGINT NOT NULL,
    PRIMARY KEY (user_token, appname),
    KEY userapps_appname (appname)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
