-- A light client's chain (ledger/light.ts): per height, the block header with its commit
-- certificate, the number of transactions in the block, and only the transactions that concern
-- this node's own identity, each with its Merkle inclusion proof against the header's txRoot
-- (canonical CBOR in `bytes`). A chain held this way is marked in `meta` (light/<chain>).
CREATE TABLE light_blocks (chain TEXT NOT NULL, height INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (chain, height)) WITHOUT ROWID;
