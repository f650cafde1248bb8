-- The consensus engine's full sign-guard state per chain (last signed message, the lock with
-- its value and polka, the recent votes), canonical CBOR; see consensus/sqlite-sign-guard.ts.
CREATE TABLE sign_guard_state (chain TEXT PRIMARY KEY, state BLOB NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
