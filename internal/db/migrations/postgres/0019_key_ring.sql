-- One key ring for every instance of a deployment. Until now each
-- instance kept its signing keys in its own data directory, so two
-- PostgreSQL instances on one database published different keys, and a
-- restored data directory silently made fresh keys.
--
-- key_check holds one value sealed with the master key (MAMORI_SECRET_KEY
-- or keys/secret.key), written by the first start; every start opens it,
-- so an instance given another master key refuses to start instead of
-- sealing with a key the others cannot open. One row, id 1.
CREATE TABLE key_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    sealed     BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- The declaration signing keys: public key in clear (it is published),
-- private key (PKCS#8 DER) sealed with the master key, the key id as
-- context. retired_at: when it stopped signing (still published);
-- revoked_at: withdrawn from the published key document (after a leak).
CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    public_key  BYTEA NOT NULL,
    private_key BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);

-- Which key signs: one row, id 1, so two instances starting at once on
-- an empty database agree on one key (the second insert does nothing).
CREATE TABLE signing_current (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT NOT NULL REFERENCES signing_keys(id)
);
