-- Provider API keys given to the admin API as literal values (API.md
-- `api_key`), sealed at rest. 0003 stores only references to environment
-- variables (api_key_env); an operator who cannot set deltad's environment
-- per provider can now PUT the key itself. It is stored only as
-- "v1:" + base64(nonce || XSalsa20-Poly1305 ciphertext) under the node's
-- llm.key_encryption_key (config, never in the database), so a dump, a
-- backup or a replica of the database holds no usable key. It is written,
-- never read back by the API (views say api_key_configured), and a row
-- names either an environment variable or a sealed key, not both.
--
-- Rotating llm.key_encryption_key makes the sealed keys unreadable (the
-- gateway logs which rows, and calls go without the key -> the provider's
-- 401 moves them to the fallback): PUT the keys again after a rotation.

ALTER TABLE llm_model_routing
    ADD COLUMN api_key_sealed TEXT CHECK (api_key_sealed ~ '^v1:[A-Za-z0-9+/]+={0,2}$'),
    ADD CONSTRAINT llm_model_routing_one_key CHECK (api_key_env IS NULL OR api_key_sealed IS NULL);

ALTER TABLE llm_fallback_chain
    ADD COLUMN api_key_sealed TEXT CHECK (api_key_sealed ~ '^v1:[A-Za-z0-9+/]+={0,2}$'),
    ADD CONSTRAINT llm_fallback_chain_one_key CHECK (api_key_env IS NULL OR api_key_sealed IS NULL);

ALTER TABLE llm_evaluators
    ADD COLUMN api_key_sealed TEXT CHECK (api_key_sealed ~ '^v1:[A-Za-z0-9+/]+={0,2}$'),
    ADD CONSTRAINT llm_evaluators_one_key CHECK (api_key_env IS NULL OR api_key_sealed IS NULL);
