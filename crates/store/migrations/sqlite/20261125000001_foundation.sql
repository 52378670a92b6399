-- Registry, users and access control (SQLite). Keep in step with ../postgres.
CREATE TABLE divisions (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT,
    longitude   REAL,
    latitude    REAL,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX divisions_parent ON divisions (parent_code);

CREATE TABLE units (
    unit_id        TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    division_code  TEXT NOT NULL,
    uscc           TEXT,
    parent_unit_id TEXT,
    address        TEXT
);
CREATE INDEX units_division ON units (division_code);
CREATE INDEX units_parent ON units (parent_unit_id);

CREATE TABLE people (
    person_id     TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    citizen_id    TEXT NOT NULL,
    gender        TEXT,
    division_code TEXT NOT NULL,
    unit_id       TEXT
);
CREATE INDEX people_division ON people (division_code);
CREATE INDEX people_unit ON people (unit_id);

CREATE TABLE posts (
    post_id    TEXT PRIMARY KEY NOT NULL,
    unit_id    TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    title      TEXT NOT NULL,
    key_area   TEXT,
    is_head    BOOLEAN NOT NULL DEFAULT FALSE,
    start_date TEXT NOT NULL,
    end_date   TEXT
);
CREATE INDEX posts_unit ON posts (unit_id);
CREATE INDEX posts_person ON posts (person_id);

CREATE TABLE person_relations (
    person_id         TEXT NOT NULL,
    related_person_id TEXT NOT NULL,
    relation          TEXT NOT NULL,
    PRIMARY KEY (person_id, related_person_id, relation)
);

CREATE TABLE org_relations (
    person_id  TEXT NOT NULL,
    org_name   TEXT NOT NULL,
    org_uscc   TEXT NOT NULL DEFAULT '',
    unit_id    TEXT,
    role       TEXT NOT NULL,
    share_pct  REAL,
    start_date TEXT,
    end_date   TEXT,
    PRIMARY KEY (person_id, org_uscc, org_name, role)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE user_divisions (
    user_id       BIGINT NOT NULL REFERENCES users (id),
    division_code TEXT NOT NULL,
    PRIMARY KEY (user_id, division_code)
);

CREATE TABLE user_units (
    user_id BIGINT NOT NULL REFERENCES users (id),
    unit_id TEXT NOT NULL,
    PRIMARY KEY (user_id, unit_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
