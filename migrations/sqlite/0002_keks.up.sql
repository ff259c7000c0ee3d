-- Key-encryption keys, wrapped under the operator's master key.
CREATE TABLE keks (
    version INTEGER PRIMARY KEY,
    wrapped BLOB    NOT NULL,
    status  TEXT    NOT NULL,
    created INTEGER NOT NULL
);
