-- Chains, blocks, transactions, chain state, blobs, mempool and the offline queue.
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE genesis (chain TEXT PRIMARY KEY, hash BLOB NOT NULL, doc BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE blocks (
  chain TEXT NOT NULL, height INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (chain, height)) WITHOUT ROWID;
CREATE TABLE txs (
  chain TEXT NOT NULL, id BLOB NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL,
  type TEXT NOT NULL, author BLOB NOT NULL, nonce INTEGER NOT NULL,
  PRIMARY KEY (chain, id)) WITHOUT ROWID;
CREATE UNIQUE INDEX txs_author_nonce ON txs (chain, author, nonce);
CREATE INDEX txs_height ON txs (chain, height);
CREATE TABLE state (chain TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (chain, key)) WITHOUT ROWID;
CREATE TABLE blobs (hash BLOB PRIMARY KEY, bytes BLOB NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE mempool (chain TEXT NOT NULL, id BLOB NOT NULL, bytes BLOB NOT NULL, received INTEGER NOT NULL, PRIMARY KEY (chain, id)) WITHOUT ROWID;
CREATE TABLE outbox (
  id BLOB PRIMARY KEY, chain TEXT NOT NULL, bytes BLOB NOT NULL, created INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'committed', 'rejected')), detail TEXT) WITHOUT ROWID;
