-- Durable background jobs: the queue itself, and the ticks of scheduled jobs.
--
-- Life of a job (status):
--   queued --claim--> running --complete--> succeeded
--                        |  \--fail, attempts < max--> failed --run_at due, claim--> running
--                        |  \--fail, attempts >= max or permanent--> dead   (the dead-letter queue)
--                        |  \--cancel_requested, handler stopped--> cancelled
--                        \--lease expired (node died)--> claimed again by any node
--   queued --cancel--> cancelled;  dead --admin retry--> queued (attempts reset)
-- A claim sets lease_owner and lease_expires_at; the owner renews the lease
-- while the handler runs. Every state change after a claim is conditional on
-- still owning the lease, so a node that lost its lease can never overwrite
-- the work of the node that took the job over (at-least-once, never "twice at
-- the same time" as far as the database is concerned).

CREATE TABLE jobs (
    job_id            UUID        PRIMARY KEY DEFAULT gen_random_uuid(),
    kind              TEXT        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
    payload           JSONB       NOT NULL DEFAULT '{}'::jsonb,
    owner             UUID        REFERENCES users (user_id) ON DELETE CASCADE,  -- NULL: system job
    status            TEXT        NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
    priority          INTEGER     NOT NULL DEFAULT 0,            -- higher runs first
    attempts          INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- claims charged so far
    max_attempts      INTEGER     NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    run_at            TIMESTAMPTZ NOT NULL DEFAULT now(),        -- not before (retries: now + backoff)
    lease_owner       TEXT,                                      -- node id holding the job
    lease_expires_at  TIMESTAMPTZ,
    progress          INTEGER     NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    result            JSONB,
    error             TEXT,                                      -- the last attempt's error
    unique_key        TEXT,
    cancel_requested  BOOLEAN     NOT NULL DEFAULT false,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at        TIMESTAMPTZ,                               -- the latest claim
    finished_at       TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);

-- The claim query reads these two partial indexes only: due work in priority
-- order, and running jobs whose lease expired. Finished jobs cost nothing.
CREATE INDEX jobs_due ON jobs (priority DESC, run_at) WHERE status IN ('queued', 'failed');
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
-- Releasing a node's leases on shutdown.
CREATE INDEX jobs_lease_owner ON jobs (lease_owner) WHERE status = 'running';
-- Admin listing (the dead-letter queue) and a user's own jobs.
CREATE INDEX jobs_status_created ON jobs (status, created_at DESC);
CREATE INDEX jobs_owner_created ON jobs (owner, created_at DESC) WHERE owner IS NOT NULL;
-- One live job per unique key; a finished job frees its key.
CREATE UNIQUE INDEX jobs_unique_key_live ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('queued', 'running', 'failed');

-- Wakes the dispatchers (LISTEN delta_jobs) when work becomes due now: once
-- per statement, so a batch enqueue is one notification.
CREATE FUNCTION jobs_notify_enqueued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('delta_jobs', 'enqueued');
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_enqueued AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_enqueued();

-- Exactly one node runs each tick of a scheduled job: the node whose INSERT
-- wins (ON CONFLICT DO NOTHING) enqueues the tick's job in the same statement.
CREATE TABLE job_schedule_ticks (
    schedule    TEXT        NOT NULL,
    tick_at     TIMESTAMPTZ NOT NULL,
    job_id      UUID,
    claimed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, tick_at)
);
