-- Demo market data: deterministic synthetic 1-minute candles for a few of
-- the demo's real tickers (securities from scripts/demo_data.sql; table from
-- migrations/0004_candles.sql), so prices, indicators and the signal
-- pipeline work offline.
--
--   * the 7 days up to the current minute (UTC);
--   * BTC-USD and ETH-USD around the clock; AAPL, MSFT and SPY on weekdays
--     14:30-21:00 UTC (the US regular session, without holidays or DST), so
--     higher timeframes show the gaps real equity data has.
--
-- Deterministic: every value is a function of the ticker and the minute
-- alone (a few sines of incommensurate periods plus a multiplicative-hash
-- noise term; no random(), no running sums), so loading it again, even days
-- later, extends the series with bars that agree with those already stored.
-- Idempotent: ON CONFLICT DO NOTHING leaves existing bars alone.
-- Consistent: close of one minute = open of the next, high >= max(open,
-- close) and low <= min(open, close) by construction (prices are rounded to
-- cents, high up and low down).
-- Plain SQL (no psql meta-commands); its helper functions live in pg_temp and
-- vanish with the session.

-- Partitions for this month and its neighbours, in case the database was
-- migrated more than a quarter ago.
DO $$ BEGIN PERFORM delta_ensure_candle_partitions(1, 1); END $$;

-- A deterministic number in [0, 1) for (minute, seed): Knuth's
-- multiplicative hash modulo a prime.
CREATE FUNCTION pg_temp.demo_unit(m BIGINT, seed INTEGER) RETURNS DOUBLE PRECISION
LANGUAGE sql IMMUTABLE AS $$
    SELECT ((m * 2654435761 + seed * 40503) % 1000003) / 1000003.0
$$;

-- The synthetic price at the start of minute m (minutes since the epoch).
CREATE FUNCTION pg_temp.demo_price(m BIGINT, base DOUBLE PRECISION, seed INTEGER)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE AS $$
    SELECT round((base * (1
        + 0.020 * sin(2 * pi() * m / (1440 * 3.1) + seed)
        + 0.008 * sin(2 * pi() * m / 390.0 + 2 * seed)
        + 0.003 * sin(2 * pi() * m / 47.0 + 3 * seed)
        + 0.0015 * (2 * pg_temp.demo_unit(m, seed) - 1)))::numeric, 2)::float8
$$;

WITH instruments (ticker, base, volume, seed, session_only) AS (
    VALUES ('BTC-USD', 65000.0, 6.0,     1, false),
           ('ETH-USD', 3200.0,  90.0,    2, false),
           ('AAPL',    190.0,   25000.0, 3, true),
           ('MSFT',    420.0,   12000.0, 4, true),
           ('SPY',     560.0,   40000.0, 5, true)
),
window_minutes AS (
    SELECT floor(extract(epoch FROM now()) / 60)::bigint AS now_m
),
minutes AS (
    SELECT s.security_id, i.*, g.m
    FROM instruments i
    JOIN securities s ON s.ticker = i.ticker
    CROSS JOIN window_minutes w
    CROSS JOIN LATERAL generate_series(w.now_m - 7 * 1440, w.now_m - 1) AS g (m)
    WHERE NOT i.session_only
       OR (extract(isodow FROM to_timestamp(g.m * 60) AT TIME ZONE 'UTC') < 6
           AND g.m % 1440 BETWEEN 870 AND 1259)   -- 14:30 .. 20:59 UTC
),
bars AS (
    SELECT security_id, m, volume, seed,
           pg_temp.demo_price(m, base, seed) AS open,
           pg_temp.demo_price(m + 1, base, seed) AS close
    FROM minutes
)
INSERT INTO candles (security_id, ts, open, high, low, close, volume)
SELECT security_id,
       to_timestamp(m * 60),
       open,
       ceil(greatest(open, close) * (1 + 0.0006 * pg_temp.demo_unit(m, seed + 100)) * 100) / 100,
       floor(least(open, close) * (1 - 0.0006 * pg_temp.demo_unit(m, seed + 200)) * 100) / 100,
       close,
       round((volume * (0.5 + pg_temp.demo_unit(m, seed + 300)))::numeric, 4)::float8
FROM bars
ON CONFLICT (security_id, ts) DO NOTHING;
