-- The supervision workflow (线索 → 处置 → 整改 → 销号). Keep in step with ../postgres (the text is
-- the same on both backends). Every row here is written by a ledgered unit of work: the clue's
-- history is its entries (object ("clue", id)), and ledger verify replays it against these rows.

-- A free-text note on a hit decision (the entry carries only its SHA-256).
ALTER TABLE hits ADD COLUMN decision_note TEXT;

CREATE TABLE clues (
    id                TEXT PRIMARY KEY NOT NULL,
    status            TEXT NOT NULL,
    -- 'hit' (opened from a screening hit) or 'manual' (a report typed in by an officer).
    source            TEXT NOT NULL,
    hit_id            TEXT REFERENCES hits (id),
    unit_id           TEXT NOT NULL,
    -- The unit's division when the clue was opened: jurisdiction is decided on it (scope.rs).
    division_code     TEXT NOT NULL,
    indicator_id      TEXT,
    -- JSON object of the subject keys (from the hit), or NULL.
    subject           TEXT,
    summary           TEXT NOT NULL,
    handler           TEXT,
    responsible_unit  TEXT,
    -- The administrative level handling the clue; escalation moves it one level up.
    level_division    TEXT,
    method            TEXT,
    finding           TEXT,
    found_at          BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    closed_at         BIGINT,
    last_escalated_at BIGINT,
    -- Number of ledgered steps so far; each step's entry carries its number.
    steps             BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX clues_division ON clues (division_code);
CREATE INDEX clues_unit ON clues (unit_id);
CREATE INDEX clues_hit ON clues (hit_id);

-- One row per ledgered step, with what the entry only hashes (the note's text).
CREATE TABLE clue_events (
    clue_id     TEXT NOT NULL REFERENCES clues (id),
    step        BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    actor       TEXT NOT NULL,
    note        TEXT,
    detail      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (clue_id, step)
);

-- Persons handled, by form, recorded with a confirmed finding.
CREATE TABLE clue_persons (
    clue_id TEXT NOT NULL REFERENCES clues (id),
    form    TEXT NOT NULL,
    persons BIGINT NOT NULL,
    PRIMARY KEY (clue_id, form)
);

-- Items of a rectification order (整改事项).
CREATE TABLE rect_items (
    clue_id             TEXT NOT NULL REFERENCES clues (id),
    seq                 BIGINT NOT NULL,
    text                TEXT NOT NULL,
    deadline            BIGINT NOT NULL,
    indicator_id        TEXT,
    subject             TEXT,
    status              TEXT NOT NULL,
    report              TEXT,
    evidence            TEXT NOT NULL DEFAULT '[]',
    reported_at         BIGINT,
    verdict             TEXT,
    systems_improved    TEXT,
    money_recovered_fen BIGINT NOT NULL DEFAULT 0,
    verified_at         BIGINT,
    PRIMARY KEY (clue_id, seq)
);

-- In-app notifications (站内通知). A row without a username is for whoever handles the division.
CREATE TABLE inbox (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT,
    division_code TEXT NOT NULL,
    clue_id       TEXT NOT NULL REFERENCES clues (id),
    kind          TEXT NOT NULL,
    text_zh       TEXT NOT NULL,
    text_en       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    read_at       BIGINT
);
CREATE INDEX inbox_user ON inbox (username);
