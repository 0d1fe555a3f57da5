-- Demo data for Delta's securities master (table from migrations/0001_securities.sql).
--
-- Idempotent: every INSERT is ON CONFLICT (ticker) DO NOTHING, so loading it again
-- changes nothing (rows already present, even if edited, are left alone).
-- Plain SQL only (no psql meta-commands): it can be run with psql -f or sent as
-- one multi-statement simple query through libpq (PQexec).
--
-- Contents:
--   * 2,000 synthetic equities T0000 .. T1999, named 'Test Security 0000' ..
--     'Test Security 1999', exchange XTST, currency USD, all active.
--   * 35 real-looking instruments across every security_type; exchange is NULL
--     for the fx pairs, the index, the bond and the mutual fund; TWTR is inactive.

INSERT INTO securities (ticker, name, security_type, exchange, currency, active)
SELECT 'T' || lpad(i::text, 4, '0'),
       'Test Security ' || lpad(i::text, 4, '0'),
       'equity', 'XTST', 'USD', true
FROM generate_series(0, 1999) AS g(i)
ON CONFLICT (ticker) DO NOTHING;

INSERT INTO securities (ticker, name, security_type, exchange, currency, active)
VALUES
    -- US equities
    ('AAPL',    'Apple Inc.',                               'equity', 'NASDAQ',   'USD', true),
    ('MSFT',    'Microsoft Corporation',                    'equity', 'NASDAQ',   'USD', true),
    ('GOOGL',   'Alphabet Inc. Class A',                    'equity', 'NASDAQ',   'USD', true),
    ('AMZN',    'Amazon.com, Inc.',                         'equity', 'NASDAQ',   'USD', true),
    ('NVDA',    'NVIDIA Corporation',                       'equity', 'NASDAQ',   'USD', true),
    ('TSLA',    'Tesla, Inc.',                              'equity', 'NASDAQ',   'USD', true),
    ('META',    'Meta Platforms, Inc. Class A',             'equity', 'NASDAQ',   'USD', true),
    ('JPM',     'JPMorgan Chase & Co.',                     'equity', 'NYSE',     'USD', true),
    ('V',       'Visa Inc. Class A',                        'equity', 'NYSE',     'USD', true),
    ('BRK.B',   'Berkshire Hathaway Inc. Class B',          'equity', 'NYSE',     'USD', true),
    ('JNJ',     'Johnson & Johnson',                        'equity', 'NYSE',     'USD', true),
    ('XOM',     'Exxon Mobil Corporation',                  'equity', 'NYSE',     'USD', true),
    ('WMT',     'Walmart Inc.',                             'equity', 'NYSE',     'USD', true),
    ('KO',      'The Coca-Cola Company',                    'equity', 'NYSE',     'USD', true),
    ('TWTR',    'Twitter, Inc.',                            'equity', 'NYSE',     'USD', false),
    -- non-US equities
    ('SAP',     'SAP SE',                                   'equity', 'XETRA',    'EUR', true),
    ('ASML',    'ASML Holding N.V.',                        'equity', 'EURONEXT', 'EUR', true),
    ('VOD.L',   'Vodafone Group Plc',                       'equity', 'LSE',      'GBP', true),
    ('7203.T',  'Toyota Motor Corporation',                 'equity', 'TSE',      'JPY', true),
    -- ETFs
    ('SPY',     'SPDR S&P 500 ETF Trust',                   'etf',    'NYSEARCA', 'USD', true),
    ('QQQ',     'Invesco QQQ Trust, Series 1',              'etf',    'NASDAQ',   'USD', true),
    ('IWM',     'iShares Russell 2000 ETF',                 'etf',    'NYSEARCA', 'USD', true),
    ('VTI',     'Vanguard Total Stock Market ETF',          'etf',    'NYSEARCA', 'USD', true),
    -- crypto
    ('BTC-USD', 'Bitcoin',                                  'crypto', 'COINBASE', 'USD', true),
    ('ETH-USD', 'Ethereum',                                 'crypto', 'COINBASE', 'USD', true),
    ('SOL-USD', 'Solana',                                   'crypto', 'COINBASE', 'USD', true),
    -- fx (currency = quote currency)
    ('EUR/USD', 'Euro / US Dollar',                         'fx',     NULL,       'USD', true),
    ('GBP/USD', 'British Pound / US Dollar',                'fx',     NULL,       'USD', true),
    ('USD/JPY', 'US Dollar / Japanese Yen',                 'fx',     NULL,       'JPY', true),
    -- futures (continuous front month)
    ('ES.F',    'E-mini S&P 500 Futures',                   'future', 'CME',      'USD', true),
    ('NQ.F',    'E-mini Nasdaq-100 Futures',                'future', 'CME',      'USD', true),
    ('CL.F',    'Crude Oil WTI Futures',                    'future', 'NYMEX',    'USD', true),
    -- index, bond, fund
    ('SPX',     'S&P 500 Index',                            'index',  NULL,       'USD', true),
    ('US10Y',   'US Treasury 10-Year Note',                 'bond',   NULL,       'USD', true),
    ('VFIAX',   'Vanguard 500 Index Fund Admiral Shares',   'fund',   NULL,       'USD', true)
ON CONFLICT (ticker) DO NOTHING;

-- Demo identity (demo only). A research-tier user owning one API key whose
-- plaintext scripts/run prints at start:
--   X-API-Key: dk_live_DEMOkey0000000000000000000000000000000000000
-- The user cannot log in (its password hash is not a valid argon2id hash);
-- scripts/run creates the admin (admin@delta.local) with `deltad users create`.
INSERT INTO users (user_id, email, password_hash, display_name, tier, role)
VALUES ('00000000-0000-4000-8000-00000000de70', 'demo@delta.local', '!no-login', 'Demo API user',
        'research', 'user')
ON CONFLICT DO NOTHING;

INSERT INTO api_keys (key_id, user_id, name, prefix, key_hash)
VALUES ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-00000000de70',
        'demo key', 'dk_live_DEMOkey0', '9f8a6a08d125e989ebdf7e1d9fe6583bfa01ed856900a0a6c80fd01ded72c959')
ON CONFLICT DO NOTHING;
