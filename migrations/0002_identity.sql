-- Identity: tiers and their entitlements as data, users, sessions, API keys.

CREATE TABLE tiers (
    tier                TEXT PRIMARY KEY CHECK (tier ~ '^[a-z_]{1,32}$'),
    rank                INTEGER     NOT NULL,
    api_keys_max        INTEGER     NOT NULL CHECK (api_keys_max >= 0),
    rate_limit_per_hour INTEGER     NOT NULL CHECK (rate_limit_per_hour >= 0),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO tiers (tier, rank, api_keys_max, rate_limit_per_hour) VALUES
    ('free',         0,  0,     0),
    ('entry',        1,  1,   100),
    ('professional', 2,  3,   500),
    ('analyst',      3,  5,  2000),
    ('research',     4, 10, 10000);

CREATE TABLE tier_entitlements (
    tier       TEXT        NOT NULL REFERENCES tiers (tier) ON UPDATE CASCADE,
    feature    TEXT        NOT NULL CHECK (feature ~ '^[a-z_]{1,64}$'),
    enabled    BOOLEAN     NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tier, feature)
);

-- Every tier has a row for every feature, so admins toggle rather than insert.
INSERT INTO tier_entitlements (tier, feature, enabled)
SELECT t.tier, f.feature,
       CASE f.feature
         WHEN 'explain'          THEN true
         WHEN 'signals_submit'   THEN t.rank >= 1
         WHEN 'research_reports' THEN t.rank >= 2
         WHEN 'backtest'         THEN t.rank >= 2
         WHEN 'custom_cohorts'   THEN t.rank >= 3
         WHEN 'market_ingest'    THEN false   -- data feeds run as admin or internal
       END
FROM tiers t
CROSS JOIN (VALUES ('signals_submit'), ('research_reports'), ('backtest'),
                   ('market_ingest'), ('custom_cohorts'), ('explain')) AS f (feature);

CREATE TABLE users (
    user_id       UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email         TEXT        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT        NOT NULL,   -- argon2id, libsodium's encoded form
    display_name  TEXT,
    tier          TEXT        NOT NULL DEFAULT 'free' REFERENCES tiers (tier) ON UPDATE CASCADE,
    role          TEXT        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'internal')),
    active        BOOLEAN     NOT NULL DEFAULT true,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- Session tokens are stored only as SHA-256; the token itself is shown once.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id     UUID        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- API keys: random 256-bit secrets, stored only as SHA-256, shown once.
CREATE TABLE api_keys (
    key_id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             UUID        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    name                TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix              TEXT        NOT NULL,   -- visible part, e.g. dk_live_ab12cd34
    key_hash            TEXT        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at          TIMESTAMPTZ,
    revoked_at          TIMESTAMPTZ
);
CREATE INDEX api_keys_user ON api_keys (user_id) WHERE revoked_at IS NULL;
