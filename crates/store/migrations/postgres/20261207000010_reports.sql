-- Citizen reports (群众举报). Keep in step with ../sqlite (the text differs only in the
-- BLOB/BYTEA type). Every row is written by a ledgered unit: a report's history is its entries
-- (kind `report_received` / `report_step`, object ("report", id), plus the `clue_transition`
-- that opened a clue from it), and `ledger verify` replays it against these rows. Entries
-- carry hashes of the text, the contact and the receipt code, never the data.

CREATE TABLE reports (
    id            TEXT PRIMARY KEY NOT NULL,
    -- SHA-256 of the canonical receipt code; the code itself is only on the citizen's receipt.
    code_sha256   TEXT NOT NULL UNIQUE,
    -- received | triaging | clue | closed
    status        TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    -- The unit's division when the report was filed: jurisdiction is decided on it (scope.rs).
    division_code TEXT NOT NULL,
    text          TEXT NOT NULL,
    contact       TEXT,
    received_at   BIGINT NOT NULL,
    triage_at     BIGINT,
    clue_id       TEXT REFERENCES clues (id),
    clue_at       BIGINT,
    closed_at     BIGINT,
    close_note    TEXT,
    updated_at    BIGINT NOT NULL,
    -- Number of ledgered steps so far; each step's entry carries its number.
    steps         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX reports_division ON reports (division_code);
CREATE INDEX reports_status ON reports (status);

-- Attachment contents, by SHA-256 (confidential: served only to authorised staff).
CREATE TABLE report_files (
    sha256  TEXT PRIMARY KEY NOT NULL,
    size    BIGINT NOT NULL,
    content BYTEA NOT NULL
);

CREATE TABLE report_attachments (
    report_id  TEXT NOT NULL REFERENCES reports (id),
    seq        BIGINT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES report_files (sha256),
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);
