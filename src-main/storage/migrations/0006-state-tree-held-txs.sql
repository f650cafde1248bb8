-- The state root's tree (ledger/state-tree.ts), derived from `state`: each key's leaf hash by
-- bucket, and the non-empty inner nodes; and records being stored (emr/records.ts storeRecord):
-- transactions signed together whose later steps wait for an earlier one to commit.
CREATE TABLE state_leaves (chain TEXT NOT NULL, bucket INTEGER NOT NULL, key TEXT NOT NULL, leaf BLOB NOT NULL, PRIMARY KEY (chain, bucket, key)) WITHOUT ROWID;
CREATE TABLE state_nodes (chain TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (chain, level, idx)) WITHOUT ROWID;
CREATE TABLE held_txs (id BLOB PRIMARY KEY, chain TEXT NOT NULL, bytes BLOB NOT NULL, after BLOB NOT NULL, after_chain TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX held_txs_after ON held_txs (after);
