-- Data keys wrapped under each KEK version, summed over every instance, so
-- that the version is rotated before GCM's random-nonce bound
-- (keys.rotate_after_encryptions).
ALTER TABLE keks ADD COLUMN encryptions BIGINT NOT NULL DEFAULT 0;
