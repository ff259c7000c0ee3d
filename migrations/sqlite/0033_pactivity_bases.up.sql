-- Links between processing activities and legal bases (api.md §7.3). A
-- link's id gives link order; deleting an activity or a legal basis removes
-- its links.
CREATE TABLE pactivity_bases (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL REFERENCES pactivities (id) ON DELETE CASCADE,
    basis_id    INTEGER NOT NULL REFERENCES legal_bases (id) ON DELETE CASCADE,
    CONSTRAINT pactivity_bases_link UNIQUE (activity_id, basis_id)
);
CREATE INDEX pactivity_bases_basis ON pactivity_bases (basis_id);
