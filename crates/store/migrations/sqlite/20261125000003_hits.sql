-- Screening hits (命中). Keep in step with ../postgres. One row per hit id (a hash of indicator,
-- major version, subject and triggering facts); later sightings refresh the row, never add one.
-- JSON-valued columns are canonical JSON text, the same on both backends.
CREATE TABLE hits (
    id                TEXT PRIMARY KEY NOT NULL,
    indicator_id      TEXT NOT NULL,
    indicator_version TEXT NOT NULL,
    domain            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    severity          TEXT NOT NULL,
    param_hash        TEXT NOT NULL,
    params            TEXT NOT NULL,
    inputs            TEXT NOT NULL,
    unit_id           TEXT NOT NULL,
    unit_kind         TEXT,
    division_code     TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL,
    facts_hash        TEXT NOT NULL,
    measured          TEXT NOT NULL,
    thresholds        TEXT NOT NULL,
    explanation_zh    TEXT NOT NULL,
    explanation_en    TEXT NOT NULL,
    counterfactual_zh TEXT NOT NULL,
    counterfactual_en TEXT NOT NULL,
    first_seen_at     BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    times_seen        BIGINT NOT NULL DEFAULT 1,
    -- Human decision (the workflow adds the UI): a false positive is not raised again.
    decision          TEXT CHECK (decision IN ('confirmed', 'false_positive', 'unsure')),
    decided_by        TEXT,
    decided_at        BIGINT
);
CREATE INDEX hits_indicator ON hits (indicator_id);
CREATE INDEX hits_division ON hits (division_code);
CREATE INDEX hits_unit ON hits (unit_id);
