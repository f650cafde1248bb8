-- The node's local, off-chain EMR index: patients this node knows (custodial activation for
-- patients registered here), records' searchable summaries, and the provider's outgoing shares.
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
