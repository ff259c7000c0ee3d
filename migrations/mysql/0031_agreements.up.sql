-- Agreements (api.md §7.2), one per (subject, legal basis). The subject is
-- a user (user_token) or, for an email or phone without a user yet, the
-- blind index of the normalised identity (subject_idx); linking to a user
-- sets user_token and clears subject_idx, so no index of an identity
-- outlives the link. who and lastmod are sealed: under the user's data key,
-- or under the row's own key (datakey) while no user holds the identity.
-- id gives creation order; akey names the row in associated data.
CREATE TABLE agreements (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    akey        VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    basis_id    BIGINT       NOT NULL,
    user_token  VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin,
    subject_idx VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
    datakey     BLOB,
    who_mode    VARCHAR(16)  NOT NULL,
    who         BLOB,
    lastmod     BLOB,
    method      VARCHAR(256) NOT NULL,
    refcode     VARCHAR(256) NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    created     BIGINT       NOT NULL,
    starttime   BIGINT       NOT NULL,
    endtime     BIGINT       NOT NULL,
    changed     BIGINT       NOT NULL,
    UNIQUE KEY agreements_akey (akey),
    UNIQUE KEY agreements_user (basis_id, user_token),
    UNIQUE KEY agreements_subject (basis_id, subject_idx),
    KEY agreements_by_user (user_token, id),
    KEY agreements_by_subject (subject_idx, id),
    KEY agreements_expiry (status, endtime),
    CONSTRAINT agreements_basis FOREIGN KEY (basis_id) REFERENCES legal_bases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
