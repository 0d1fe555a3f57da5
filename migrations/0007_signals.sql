-- The signal pipeline (issue 6): ingest -> enrich -> evaluate -> publish.
--
-- `events` is the pipeline's queue and its truth: an event is committed here
-- before POST /api/v2/signals answers 202, and every stage moves it on in
-- the same transaction that stores the stage's output. A pipeline claims
-- the events it works on with a lease (lease_until) so that a crashed or
-- stopped node's events are taken again once their lease runs out.

CREATE TABLE events (
    event_id        UUID        PRIMARY KEY,
    owner_user_id   UUID        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    source          TEXT        NOT NULL CHECK (length(source) BETWEEN 1 AND 64),
    symbol          TEXT        NOT NULL CHECK (symbol ~ '^[A-Z0-9./-]{1,20}$'),
    side            TEXT        NOT NULL CHECK (side IN ('long', 'short', 'close')),
    price           DOUBLE PRECISION CHECK (price > 0),
    strategy        TEXT        CHECK (length(strategy) <= 128),
    ts              TIMESTAMPTZ,                      -- the signal's own time, when given
    profile         TEXT        NOT NULL DEFAULT 'trend_follow_v1'
                    CHECK (profile IN ('trend_follow_v1', 'crypto_perps_v1', 'full_v1')),
    models          TEXT[]      NOT NULL DEFAULT '{}',  -- empty: every active evaluator
    status          TEXT        NOT NULL DEFAULT 'received'
                    CHECK (status IN ('received', 'enriched', 'evaluated', 'published', 'failed', 'dead')),
    -- The stage that runs next (a failed event keeps the stage that failed).
    next_stage      TEXT        NOT NULL DEFAULT 'enrich'
                    CHECK (next_stage IN ('enrich', 'evaluate', 'publish', 'none')),
    attempts        INTEGER     NOT NULL DEFAULT 0,   -- failed stage attempts so far
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until     TIMESTAMPTZ,                      -- a pipeline works on it until then
    last_error      TEXT,
    received_ts     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The pipeline's claim: due, unfinished events.
CREATE INDEX events_due ON events (next_attempt_at)
    WHERE status IN ('received', 'enriched', 'evaluated', 'failed');
-- A user's events, newest first (GET /api/v2/signals).
CREATE INDEX events_owner_newest ON events (owner_user_id, received_ts DESC, event_id DESC);

CREATE TABLE processing_timeline (
    id        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id  UUID        NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    stage     TEXT        NOT NULL CHECK (stage IN ('ingest', 'enrich', 'evaluate', 'publish')),
    status    TEXT        NOT NULL,   -- the event's status after the step (received, enriched, ..., failed, dead)
    at        TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    detail    TEXT
);
CREATE INDEX processing_timeline_event ON processing_timeline (event_id, id);

CREATE TABLE enriched_events (
    event_id      UUID        PRIMARY KEY REFERENCES events (event_id) ON DELETE CASCADE,
    profile       TEXT        NOT NULL,
    features      JSONB       NOT NULL,
    quality_flags TEXT[]      NOT NULL DEFAULT '{}',
    enriched_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per (event, evaluator): the decision, or the evaluator's failure.
CREATE TABLE model_decisions (
    event_id          UUID        NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    model             TEXT        NOT NULL,   -- the evaluator's name
    provider          TEXT        NOT NULL DEFAULT '',
    provider_model    TEXT        NOT NULL DEFAULT '',
    decision          TEXT        CHECK (decision IN ('approve', 'reject', 'abstain')),
    confidence        DOUBLE PRECISION CHECK (confidence BETWEEN 0 AND 1),
    rationale         TEXT,
    latency_ms        BIGINT      NOT NULL DEFAULT 0,
    prompt_tokens     BIGINT      NOT NULL DEFAULT 0,
    completion_tokens BIGINT      NOT NULL DEFAULT 0,
    error             TEXT,       -- set for a failure; decision is then NULL
    decided_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, model),
    CHECK ((error IS NULL) = (decision IS NOT NULL))
);

CREATE TABLE dlq_entries (
    id        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id  UUID        NOT NULL REFERENCES events (event_id) ON DELETE CASCADE,
    stage     TEXT        NOT NULL,
    reason    TEXT        NOT NULL,
    attempts  INTEGER     NOT NULL,
    at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX dlq_entries_event ON dlq_entries (event_id);
