-- Key-encryption keys, wrapped under the operator's master key.
CREATE TABLE keks (
    version BIGINT PRIMARY KEY,
    wrapped BYTEA  NOT NULL,
    status  VARCHAR(16) NOT NULL,
    created BIGINT NOT NULL
);
