-- LOT1 admission lotteries (阳光招生 电脑派位). Keep in step with ../sqlite (the text differs
-- only in the BLOB/BYTEA type). Every row here is written by a ledgered step (kind
-- `lottery_step`, object ("lottery", id)); `ledger verify` replays the entries against these
-- rows, the stored artefacts and the applicants.

CREATE TABLE lotteries (
    -- The lottery_id of params.txt ([A-Z0-9-]{1,64}).
    id               TEXT PRIMARY KEY NOT NULL,
    title            TEXT NOT NULL,
    -- Jurisdiction (scope.rs decides on it); NULL: installation-wide, the operator's only.
    division_code    TEXT,
    -- announced → registering → frozen → drawn → published
    state            TEXT NOT NULL,
    -- Number of ledgered steps so far; each step's entry carries its number.
    steps            BIGINT NOT NULL,
    params_sha256    TEXT NOT NULL,
    -- drand round R, fixed in params.txt at T0.
    beacon_round     BIGINT NOT NULL,
    applicants       BIGINT NOT NULL DEFAULT 0,
    batches          BIGINT NOT NULL DEFAULT 0,
    roster_sha256    TEXT,
    -- Frozen less than an hour before time(R), or after it: a rehearsal (演练), said publicly.
    rehearsal        BOOLEAN NOT NULL DEFAULT FALSE,
    ceremony_sha256  TEXT,
    beacon_sha256    TEXT,
    seed             TEXT,
    results_sha256   TEXT,
    waitlists_sha256 TEXT,
    placed           BIGINT,
    manifest_sha256  TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    frozen_at        BIGINT,
    drawn_at         BIGINT,
    published_at     BIGINT
);
CREATE INDEX lotteries_division ON lotteries (division_code);

-- The artefacts as published (exact bytes): params.txt from T0, roster.csv from the freeze,
-- the draw's files, run_manifest.txt from publication. The public page serves these.
CREATE TABLE lottery_files (
    lottery_id TEXT NOT NULL REFERENCES lotteries (id),
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    BYTEA NOT NULL,
    PRIMARY KEY (lottery_id, name)
);

-- Registered applicants: the commitment and the roster line's choices, nothing else. The
-- citizen ID and the salt stay on the family's receipt.
CREATE TABLE lottery_applicants (
    lottery_id  TEXT NOT NULL REFERENCES lotteries (id),
    commitment  TEXT NOT NULL,
    choices     TEXT NOT NULL,
    group_label TEXT,
    batch       BIGINT NOT NULL,
    PRIMARY KEY (lottery_id, commitment)
);

-- One digest per registered citizen ID, to refuse registering a child twice. Kept apart from
-- the commitments (no row links the two) and written in digest order within a batch.
CREATE TABLE lottery_id_digests (
    lottery_id TEXT NOT NULL REFERENCES lotteries (id),
    digest     TEXT NOT NULL,
    batch      BIGINT NOT NULL,
    PRIMARY KEY (lottery_id, digest)
);
