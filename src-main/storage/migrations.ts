/**
 * Numbered, append-only schema migrations (never edit a shipped one: add the next).
 * The applied version is SQLite's PRAGMA user_version; each migration runs in one transaction.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: chains, blocks, transactions, chain state, blobs, mempool and the offline queue.
  `
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
  `,
  // 2: the last vote this node signed per chain, so a restarted validator can never equivocate.
  `
  CREATE TABLE sign_guard (chain TEXT PRIMARY KEY, height INTEGER NOT NULL, round INTEGER NOT NULL, phase INTEGER NOT NULL, block BLOB) WITHOUT ROWID;
  CREATE TABLE evidence (chain TEXT NOT NULL, id BLOB NOT NULL, height INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (chain, id)) WITHOUT ROWID;
  `,
  // 3: the node's local, off-chain EMR index: patients this node knows (custodial activation for
  // patients registered here), records' searchable summaries, and packages received by an entity.
  `
  CREATE TABLE emr_patients (
    pk BLOB PRIMARY KEY, x25519 BLOB NOT NULL, fhir_id TEXT NOT NULL, display TEXT NOT NULL, birth_year INTEGER,
    activation TEXT, created INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX emr_patients_fhir ON emr_patients (fhir_id);
  CREATE TABLE emr_records (
    record_id TEXT PRIMARY KEY, patient_pk BLOB NOT NULL, resource_type TEXT NOT NULL, version INTEGER NOT NULL,
    effective TEXT, summary TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX emr_records_patient ON emr_records (patient_pk, effective);
  CREATE TABLE shares_out (
    request_id TEXT PRIMARY KEY, stage TEXT NOT NULL CHECK (stage IN ('attesting', 'published', 'refused')),
    work BLOB NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 4: the consensus engine's full sign-guard state per chain (last signed message, the lock with
  // its value and polka, the recent votes), canonical CBOR; see consensus/sqlite-sign-guard.ts.
  `
  CREATE TABLE sign_guard_state (chain TEXT PRIMARY KEY, state BLOB NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // 5: patients hold their own keys (issue 13): the custodial activation codes are gone. Where a
  // patient has not enrolled, pk is the hospital's provisional id and x25519 is empty.
  `
  UPDATE emr_patients SET activation = NULL;
  `,
  // 6: the state root's tree (ledger/state-tree.ts), derived from `state`: each key's leaf hash by
  // bucket, and the non-empty inner nodes; and records being stored (emr/records.ts storeRecord):
  // transactions signed together whose later steps wait for an earlier one to commit.
  `
  CREATE TABLE state_leaves (chain TEXT NOT NULL, bucket INTEGER NOT NULL, key TEXT NOT NULL, leaf BLOB NOT NULL, PRIMARY KEY (chain, bucket, key)) WITHOUT ROWID;
  CREATE TABLE state_nodes (chain TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (chain, level, idx)) WITHOUT ROWID;
  CREATE TABLE held_txs (id BLOB PRIMARY KEY, chain TEXT NOT NULL, bytes BLOB NOT NULL, after BLOB NOT NULL, after_chain TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX held_txs_after ON held_txs (after);
  `,
];
