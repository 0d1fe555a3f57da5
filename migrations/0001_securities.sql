-- Securities master: one row per tradable instrument.
CREATE TABLE securities (
    security_id   BIGSERIAL PRIMARY KEY,
    ticker        TEXT        NOT NULL UNIQUE
                  CHECK (ticker ~ '^[A-Z0-9./-]{1,20}$'),
    name          TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    security_type TEXT        NOT NULL
                  CHECK (security_type IN ('equity', 'etf', 'crypto', 'fx', 'future', 'index', 'bond', 'fund')),
    exchange      TEXT,
    currency      TEXT        NOT NULL CHECK (currency ~ '^[A-Z]{3,5}$'),
    active        BOOLEAN     NOT NULL DEFAULT true,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Case-insensitive search on ticker prefix and name substring (q=...).
CREATE INDEX securities_ticker_pattern ON securities (ticker text_pattern_ops);
CREATE INDEX securities_lower_name ON securities (lower(name));
