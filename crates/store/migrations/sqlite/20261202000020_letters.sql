-- 一书一单一函: notice letters, risk-prevention lists and reminder letters. Keep in step with
-- ../postgres (the text is the same on both backends). Every row is written by a ledgered unit:
-- a letter's history is its entries (object ("letter", id)), and ledger verify replays it.

CREATE TABLE letters (
    -- <issuing division>-<year>-<kind>-<sequence>, e.g. 330106-2026-reminder-0007.
    id              TEXT PRIMARY KEY NOT NULL,
    -- As printed: 西湖纪〔2026〕提醒 第 0007 号.
    number          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    issuer_division TEXT NOT NULL,
    issuer_name     TEXT NOT NULL,
    year            BIGINT NOT NULL,
    -- Gap-free per (issuer_division, year, kind): claimed in the transaction that saves the letter.
    seq             BIGINT NOT NULL,
    unit_id         TEXT NOT NULL,
    -- The recipient unit's division: jurisdiction is decided on it (scope.rs).
    division_code   TEXT NOT NULL,
    person_id       TEXT,
    post_id         TEXT,
    -- JSON array of the hit ids a reminder quotes.
    hit_ids         TEXT NOT NULL DEFAULT '[]',
    content_sha256  TEXT NOT NULL,
    -- The composed letter (the qinglian-letters model) as JSON; it renders to the same hash.
    document        TEXT NOT NULL,
    issued_on       TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    issued_by       TEXT NOT NULL,
    -- issued | delivered | acknowledged
    status          TEXT NOT NULL,
    delivered_on    TEXT,
    delivered_by    TEXT,
    signed_on       TEXT,
    -- The name written on the receipt (the entry carries only its SHA-256).
    signer          TEXT,
    acked_by        TEXT,
    updated_at      BIGINT NOT NULL,
    -- Number of ledgered steps so far; each step's entry carries its number.
    steps           BIGINT NOT NULL,
    UNIQUE (issuer_division, year, kind, seq)
);
CREATE INDEX letters_division ON letters (division_code);
CREATE INDEX letters_person ON letters (person_id);
CREATE INDEX letters_number ON letters (number);
