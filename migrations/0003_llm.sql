-- LLM gateway: routing, fallback chains, evaluators and prices as data, and
-- the append-only accounting of every call (llm_calls).
--
-- Provider API keys are NEVER stored in the database. Every row that names a
-- provider endpoint carries `api_key_env`: the NAME of an environment
-- variable of the deltad process (e.g. OPENAI_API_KEY) that holds the key,
-- or NULL for keyless local servers (ollama, vllm, the demo stub). So no
-- secret is in the database, its dumps, backups, replicas or query logs, and
-- no key management (encryption keys, rotation of ciphertexts) is needed.
-- Switching a route to another variable takes effect live like any row
-- change; rotating the secret itself is an environment change of deltad.
-- The CHECK keeps the column a plain variable name, so nobody can paste a
-- key into it by mistake (keys contain lower case letters and dashes).
--
-- The routing row of a use case is its primary endpoint; llm_fallback_chain
-- lists what is tried after it, priority 1 first. A fallback uses the route's
-- max_tokens, temperature, timeout_seconds and json_output.
--
-- Names that form an endpoint's breaker key (provider|base_url|model) cannot
-- contain '|'.

CREATE TABLE llm_model_routing (
    use_case        TEXT PRIMARY KEY
                    CHECK (use_case IN ('explain', 'cohort_match', 'report_chat', 'deep_research',
                                        'signal_classify', 'report_generate', 'signal_evaluate')),
    provider        TEXT             NOT NULL
                    CHECK (provider IN ('openai', 'openai_compat', 'ollama', 'vllm', 'anthropic')),
    model           TEXT             NOT NULL CHECK (model ~ '^[^|[:cntrl:]]+$' AND length(model) <= 200),
    base_url        TEXT             NOT NULL CHECK (base_url ~ '^https?://[^|[:space:]]+$' AND length(base_url) <= 500),
    api_key_env     TEXT             CHECK (api_key_env ~ '^[A-Z_][A-Z0-9_]{0,63}$'),
    max_tokens      INTEGER          NOT NULL DEFAULT 4096 CHECK (max_tokens BETWEEN 1 AND 1000000),
    temperature     DOUBLE PRECISION NOT NULL DEFAULT 0.7 CHECK (temperature BETWEEN 0 AND 2),
    timeout_seconds INTEGER          NOT NULL DEFAULT 120 CHECK (timeout_seconds BETWEEN 1 AND 600),
    json_output     BOOLEAN          NOT NULL DEFAULT false,
    active          BOOLEAN          NOT NULL DEFAULT true,
    updated_at      TIMESTAMPTZ      NOT NULL DEFAULT now()
);

CREATE TABLE llm_fallback_chain (
    use_case    TEXT        NOT NULL REFERENCES llm_model_routing (use_case) ON DELETE CASCADE,
    priority    INTEGER     NOT NULL CHECK (priority BETWEEN 1 AND 100),
    provider    TEXT        NOT NULL
                CHECK (provider IN ('openai', 'openai_compat', 'ollama', 'vllm', 'anthropic')),
    model       TEXT        NOT NULL CHECK (model ~ '^[^|[:cntrl:]]+$' AND length(model) <= 200),
    base_url    TEXT        NOT NULL CHECK (base_url ~ '^https?://[^|[:space:]]+$' AND length(base_url) <= 500),
    api_key_env TEXT        CHECK (api_key_env ~ '^[A-Z_][A-Z0-9_]{0,63}$'),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (use_case, priority)
);

-- The judges of signal_evaluate (API.md "Evaluation"): every active one
-- judges every signal; a decision's `model` is the evaluator's name.
CREATE TABLE llm_evaluators (
    name            TEXT PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
    provider        TEXT        NOT NULL
                    CHECK (provider IN ('openai', 'openai_compat', 'ollama', 'vllm', 'anthropic')),
    model           TEXT        NOT NULL CHECK (model ~ '^[^|[:cntrl:]]+$' AND length(model) <= 200),
    base_url        TEXT        NOT NULL CHECK (base_url ~ '^https?://[^|[:space:]]+$' AND length(base_url) <= 500),
    api_key_env     TEXT        CHECK (api_key_env ~ '^[A-Z_][A-Z0-9_]{0,63}$'),
    max_tokens      INTEGER     NOT NULL DEFAULT 1024 CHECK (max_tokens BETWEEN 1 AND 1000000),
    timeout_seconds INTEGER     NOT NULL DEFAULT 60 CHECK (timeout_seconds BETWEEN 1 AND 600),
    active          BOOLEAN     NOT NULL DEFAULT true,
    position        INTEGER     NOT NULL UNIQUE CHECK (position >= 1),  -- list order, 1 first
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- USD per million tokens. A model without a row is "unpriced" (cost 0,
-- flagged by the gateway), not free; local models get explicit zero rows.
CREATE TABLE llm_prices (
    provider              TEXT          NOT NULL
                          CHECK (provider IN ('openai', 'openai_compat', 'ollama', 'vllm', 'anthropic')),
    model                 TEXT          NOT NULL CHECK (model ~ '^[^|[:cntrl:]]+$' AND length(model) <= 200),
    usd_per_million_input  NUMERIC(12,6) NOT NULL
                          CHECK (usd_per_million_input >= 0 AND usd_per_million_input <> 'NaN'),
    usd_per_million_output NUMERIC(12,6) NOT NULL
                          CHECK (usd_per_million_output >= 0 AND usd_per_million_output <> 'NaN'),
    updated_at            TIMESTAMPTZ   NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, model)
);

-- Change detection for the gateway's reload poll (every few seconds): one
-- row whose counter every statement on the four config tables bumps. A
-- counter rather than max(updated_at) because deletes (an emptied fallback
-- chain, a removed evaluator) leave no updated_at behind.
CREATE TABLE llm_config_version (
    singleton  BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    version    BIGINT      NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO llm_config_version (version) VALUES (1);

CREATE FUNCTION llm_config_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE llm_config_version SET version = version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END;
$$;

CREATE TRIGGER llm_model_routing_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON llm_model_routing FOR EACH STATEMENT EXECUTE FUNCTION llm_config_bump();
CREATE TRIGGER llm_fallback_chain_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON llm_fallback_chain FOR EACH STATEMENT EXECUTE FUNCTION llm_config_bump();
CREATE TRIGGER llm_evaluators_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON llm_evaluators FOR EACH STATEMENT EXECUTE FUNCTION llm_config_bump();
CREATE TRIGGER llm_prices_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON llm_prices FOR EACH STATEMENT EXECUTE FUNCTION llm_config_bump();

-- ---- accounting ----
--
-- Append-only, one row per provider call (fallback attempts included).
-- Bounded by daily range partitions on `at` (UTC days): the gateway calls
-- llm_calls_ensure_partitions(days_ahead) at start-up and then hourly, and
-- llm_calls_drop_before(now() - retention) daily; dropping a whole day is a
-- cheap DROP TABLE, no DELETE churn or VACUUM debt. Rows whose day has no
-- partition yet (the gateway was down longer than days_ahead, a skewed
-- clock) land in llm_calls_default instead of failing; ensure_partitions
-- moves them into the day's partition when it creates it.
CREATE TABLE llm_calls (
    id                BIGSERIAL     NOT NULL,
    at                TIMESTAMPTZ   NOT NULL DEFAULT now(),
    provider          TEXT          NOT NULL
                      CHECK (provider IN ('openai', 'openai_compat', 'ollama', 'vllm', 'anthropic')),
    model             TEXT          NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    use_case          TEXT          NOT NULL
                      CHECK (use_case IN ('explain', 'cohort_match', 'report_chat', 'deep_research',
                                          'signal_classify', 'report_generate', 'signal_evaluate')),
    outcome           TEXT          NOT NULL
                      CHECK (outcome IN ('ok', 'error', 'timeout', 'invalid_output', 'breaker_open',
                                         'rate_limited')),
    latency_ms        INTEGER       NOT NULL CHECK (latency_ms >= 0),
    prompt_tokens     INTEGER       NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens INTEGER       NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    cost_usd          NUMERIC(12,6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0 AND cost_usd <> 'NaN'),
    error_kind        TEXT          CHECK (length(error_kind) <= 64)
) PARTITION BY RANGE (at);

CREATE INDEX llm_calls_at ON llm_calls (at);

CREATE TABLE llm_calls_default PARTITION OF llm_calls DEFAULT;

-- Creates the daily partitions llm_calls_pYYYYMMDD for every UTC day from
-- `days_back` days ago to `days_ahead` days ahead that has none yet; returns
-- how many it created. Safe to run concurrently from several nodes.
CREATE FUNCTION llm_calls_ensure_partitions(days_ahead INTEGER, days_back INTEGER DEFAULT 0)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    today   DATE := (now() AT TIME ZONE 'UTC')::date;
    day     DATE;
    part    TEXT;
    lo      TIMESTAMPTZ;
    hi      TIMESTAMPTZ;
    created INTEGER := 0;
BEGIN
    IF days_ahead NOT BETWEEN 0 AND 366 OR days_back NOT BETWEEN 0 AND 3660 THEN
        RAISE EXCEPTION 'llm_calls_ensure_partitions: days_ahead % or days_back % out of range',
            days_ahead, days_back USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('llm_calls_partitions'));
    FOR day IN SELECT generate_series(today - days_back, today + days_ahead, interval '1 day')::date LOOP
        part := 'llm_calls_p' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                              WHERE i.inhparent = 'llm_calls'::regclass AND c.relname = part);
        lo := day::timestamp AT TIME ZONE 'UTC';
        hi := (day + 1)::timestamp AT TIME ZONE 'UTC';
        EXECUTE format('CREATE TABLE %I (LIKE llm_calls INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        -- Rows that arrived before the partition existed move out of the default.
        EXECUTE format('WITH moved AS (DELETE FROM llm_calls_default WHERE at >= $1 AND at < $2 RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
        EXECUTE format('ALTER TABLE llm_calls ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       part, lo, hi);
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- Drops every daily partition that ends at or before `cutoff` and deletes
-- default-partition rows older than it; returns the number of partitions
-- dropped. Granularity is a day: a partition straddling the cutoff stays.
CREATE FUNCTION llm_calls_drop_before(cutoff TIMESTAMPTZ)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    part    TEXT;
    dropped INTEGER := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('llm_calls_partitions'));
    FOR part IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'llm_calls'::regclass AND c.relname ~ '^llm_calls_p[0-9]{8}$'
          AND (to_date(substr(c.relname, 12), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part);
        dropped := dropped + 1;
    END LOOP;
    DELETE FROM llm_calls_default WHERE at < cutoff;
    RETURN dropped;
END;
$$;

SELECT llm_calls_ensure_partitions(7);

-- ---- demo configuration: everything at the local stub (tools/llm-stub on 18090) ----

INSERT INTO llm_model_routing (use_case, provider, model, base_url, api_key_env, max_tokens,
                               temperature, timeout_seconds, json_output)
SELECT u.use_case, 'openai_compat', 'stub-primary', 'http://127.0.0.1:18090/v1', 'DELTA_DEMO_LLM_KEY',
       u.max_tokens, u.temperature, 30, u.json_output
FROM (VALUES ('explain',         512, 0.3, false),
             ('cohort_match',    1024, 0.0, true),
             ('report_chat',     2048, 0.7, false),
             ('deep_research',   4096, 0.5, false),
             ('signal_classify', 512, 0.0, true),
             ('report_generate', 4096, 0.5, false),
             ('signal_evaluate', 512, 0.0, true)) AS u (use_case, max_tokens, temperature, json_output);

INSERT INTO llm_fallback_chain (use_case, priority, provider, model, base_url, api_key_env)
SELECT use_case, 1, 'anthropic', 'stub-fallback', 'http://127.0.0.1:18090', 'DELTA_DEMO_LLM_KEY'
FROM llm_model_routing;

INSERT INTO llm_evaluators (name, provider, model, base_url, api_key_env, max_tokens, timeout_seconds, position)
VALUES ('model-a', 'openai_compat', 'stub-model-a', 'http://127.0.0.1:18090/v1', 'DELTA_DEMO_LLM_KEY', 512, 30, 1),
       ('model-b', 'anthropic',     'stub-model-b', 'http://127.0.0.1:18090',    'DELTA_DEMO_LLM_KEY', 512, 30, 2);

-- List prices (USD per million tokens) of a few cloud models, and demo prices
-- for the stub so the demo's accounting shows non-zero costs.
INSERT INTO llm_prices (provider, model, usd_per_million_input, usd_per_million_output) VALUES
    ('openai',        'gpt-4o-mini',                0.15,  0.60),
    ('openai',        'gpt-4o',                     2.50, 10.00),
    ('anthropic',     'claude-sonnet-4-5-20250929', 3.00, 15.00),
    ('anthropic',     'claude-haiku-4-5-20251001',  1.00,  5.00),
    ('openai_compat', 'stub-primary',               0.15,  0.60),
    ('anthropic',     'stub-fallback',              1.00,  5.00),
    ('openai_compat', 'stub-model-a',               0.15,  0.60),
    ('anthropic',     'stub-model-b',               1.00,  5.00);
