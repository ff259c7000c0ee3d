-- App records (api.md §4): one document per (user, app name), sealed under
-- the user's data key. App names are not personal data and stay in the
-- clear so that GET /v1/userapps can list them. Erasure deletes the rows.
CREATE TABLE userapps (
    user_token VARCHAR(36) NOT NULL,
    appname    VARCHAR(31) NOT NULL,
    data       BYTEA       NOT NULL,
    created    BIGINT      NOT NULL,
    updated    BIGINT      NOT NULL,
    CONSTRAINT userapps_pkey PRIMARY KEY (user_token, appname)
);
-- GET /v1/userapps lists the distinct names.
CREATE INDEX userapps_appname ON userapps (appname);
