-- What the keyring stores besides the KEKs: the master key's check value
-- and, after a master-key change, the sealed root of the derived keys.
-- One row, id 1.
CREATE TABLE keyring_meta (
    id          INTEGER PRIMARY KEY,
    check_value BLOB NOT NULL,
    root        BLOB
);
