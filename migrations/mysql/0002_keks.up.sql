-- Key-encryption keys, wrapped under the operator's master key.
CREATE TABLE keks (
    version BIGINT NOT NULL PRIMARY KEY,
    wrapped LONGBLOB NOT NULL,
    status  VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
