-- Agreements (api.md §7.2), one per (subject, legal basis). The subject is
-- a user (user_token) or, for an email or phone without a user yet, the
-- blind index of the normalised identity (subject_idx); linking to a user
-- sets user_token and clears subject_idx, so no index of an identity
-- outlives the link. who and lastmod are sealed: under the user's data key,
-- or under the row's own key (datakey) while no user holds the identity.
-- id gives creation order; akey names the row in associated data.
CREATE TABLE agreements (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    akey        VARCHAR(36)  NOT NULL,
    basis_id    BIGINT       NOT NULL,
    user_token  VARCHAR(36),
    subject_idx VARCHAR(64),
    datakey     BYTEA,
    who_mode    VARCHAR(16)  NOT NULL,
    who         BYTEA,
    lastmod     BYTEA,
    method      VARCHAR(256) NOT NULL,
    refcode     VARCHAR(256) NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    created     BIGINT       NOT NULL,
    starttime   BIGINT       NOT NULL,
    endtime     BIGINT       NOT NULL,
    changed     BIGINT       NOT NULL,
    CONSTRAINT agreements_akey UNIQUE (akey),
    CONSTRAINT agreements_user UNIQUE (basis_id, user_token),
    CONSTRAINT agreements_subject UNIQUE (basis_id, subject_idx),
    CONSTRAINT agreements_basis FOREIGN KEY (basis_id) REFERENCES legal_bases (id)
);
-- A subject's agreements in creation order; also linking and erasure.
CREATE INDEX agreements_by_user ON agreements (user_token, id);
CREATE INDEX agreements_by_subject ON agreements (subject_idx, id);
-- The expiry job's range scan.
CREATE INDEX agreements_expiry ON agreements (status, endtime);
