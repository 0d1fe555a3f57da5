-- Market data: 1-minute OHLCV candles per security. Higher timeframes
-- (5m .. 1d) are resampled from these at query time
-- (storage/candle_repository.cpp); nothing else is stored per timeframe.
--
-- Prices and volume are DOUBLE PRECISION rather than NUMERIC:
--   * the whole path is binary floating point anyway: JSON numbers are read
--     into doubles, indicators compute in doubles, clients parse doubles;
--     NUMERIC would only convert back and forth;
--   * PostgreSQL >= 12 prints float8 as the shortest text that reads back
--     as the same double, so a price sent as 187.23 is returned as 187.23;
--   * 8 fixed bytes per value instead of NUMERIC's variable 8..20, and
--     max/min/sum over millions of rows when resampling are several times
--     faster on float8;
--   * volume is fractional for crypto (0.0153 BTC), so not an integer.
-- Exact decimal arithmetic (accounting, order books) is not done on candles.
-- The CHECKs keep NaN and +-Infinity out (abs(NaN) is not < 'Infinity' in
-- PostgreSQL's ordering) and hold the OHLC rules of API.md, so no writer
-- can store a bar the API would refuse.
--
-- Partitioned by month (RANGE on ts, UTC months): a month of 1-minute bars
-- is ~43,000 rows per security around the clock; old months can be
-- detached or dropped whole, and time-bounded queries touch only their
-- months. delta_ensure_candle_partitions() creates missing months ahead
-- (the market actor calls it at start and then periodically). Rows whose
-- month has no partition (a backfill older than the partitions, a skewed
-- clock) land in candles_default instead of failing; the function moves
-- them into their month's partition when it creates it.
CREATE TABLE candles (
    security_id BIGINT           NOT NULL REFERENCES securities (security_id),
    ts          TIMESTAMPTZ      NOT NULL,  -- start of the minute, UTC
    open        DOUBLE PRECISION NOT NULL,
    high        DOUBLE PRECISION NOT NULL,
    low         DOUBLE PRECISION NOT NULL,
    close       DOUBLE PRECISION NOT NULL,
    volume      DOUBLE PRECISION NOT NULL,
    -- When an upsert last replaced this bar; NULL for a bar never replaced.
    -- It also tells the upsert's RETURNING which rows it inserted: the usual
    -- `xmax = 0` test is refused on a partitioned table in PostgreSQL 15
    -- ("cannot retrieve a system column in this context").
    revised_at  TIMESTAMPTZ,
    PRIMARY KEY (security_id, ts),
    CONSTRAINT candles_whole_minute CHECK (date_trunc('minute', ts) = ts),
    CONSTRAINT candles_finite CHECK (abs(open) < 'Infinity' AND abs(high) < 'Infinity' AND abs(low) < 'Infinity'
           AND abs(close) < 'Infinity' AND abs(volume) < 'Infinity'),
    CONSTRAINT candles_ohlc CHECK (high >= greatest(open, close) AND low <= least(open, close) AND volume >= 0)
) PARTITION BY RANGE (ts);

CREATE TABLE candles_default PARTITION OF candles DEFAULT;

-- Creates the monthly partitions candles_pYYYYMM for every UTC month from
-- `months_back` months before the current one to `months_ahead` months
-- after it that has none yet; returns how many it created. Safe to run
-- concurrently from several nodes.
CREATE FUNCTION delta_ensure_candle_partitions(months_ahead INTEGER, months_back INTEGER DEFAULT 0)
RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    this_month DATE := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    month      DATE;
    part       TEXT;
    lo         TIMESTAMPTZ;
    hi         TIMESTAMPTZ;
    created    INTEGER := 0;
BEGIN
    IF months_ahead NOT BETWEEN 0 AND 120 OR months_back NOT BETWEEN 0 AND 1200 THEN
        RAISE EXCEPTION 'delta_ensure_candle_partitions: months_ahead % or months_back % out of range',
            months_ahead, months_back USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('candles_partitions'));
    FOR month IN SELECT generate_series(this_month - make_interval(months => months_back),
                                        this_month + make_interval(months => months_ahead),
                                        interval '1 month')::date LOOP
        part := 'candles_p' || to_char(month, 'YYYYMM');
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                              WHERE i.inhparent = 'candles'::regclass AND c.relname = part);
        lo := month::timestamp AT TIME ZONE 'UTC';
        hi := (month + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        EXECUTE format('CREATE TABLE %I (LIKE candles INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        -- Rows that arrived before the partition existed move out of the default.
        EXECUTE format('WITH moved AS (DELETE FROM candles_default WHERE ts >= $1 AND ts < $2 RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
        EXECUTE format('ALTER TABLE candles ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       part, lo, hi);
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- A year back (so a year of history loads into monthly partitions) and a
-- quarter ahead.
SELECT delta_ensure_candle_partitions(3, 12);
