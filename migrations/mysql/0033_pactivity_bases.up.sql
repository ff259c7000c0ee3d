-- Links between processing activities and legal bases (api.md §7.3). A
-- link's id gives link order; deleting an activity or a legal basis removes
-- its links.
CREATE TABLE pactivity_bases (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    activity_id BIGINT NOT NULL,
    basis_id    BIGINT NOT NULL,
    UNIQUE KEY pactivity_bases_link (activity_id, basis_id),
    KEY pactivity_bases_basis (basis_id),
    CONSTRAINT pactivity_bases_activity FOREIGN KEY (activity_id) REFERENCES pactivities (id) ON DELETE CASCADE,
    CONSTRAINT pactivity_bases_legal_basis FOREIGN KEY (basis_id) REFERENCES legal_bases (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
