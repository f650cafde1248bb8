/**
 * Patients known to a hospital node. A patient's keys are made on the patient's own device (their
 * laptop node): no hospital ever holds a patient's secret key or anything that unlocks it.
 *
 * Before the patient enrols, the hospital registers and indexes them under a provisional id of its
 * own (48 random bytes, not a key: nobody can sign with it), and anchors their records wrapped for
 * itself only. Enrolment (emr/enrol.ts) binds the provisional id to the key the patient made, and
 * re-wraps the records for the patient. `pk` below is the provisional id until then, the patient's
 * BLS key afterwards; `x25519` is null until then.
 */
import { randomBytes } from 'node:crypto';
import type { TrichainNode } from '../node/node';
import { NotFound } from '../ledger/errors';

export interface PatientEntry {
  pk: Uint8Array;
  x25519: Uint8Array | null;
  fhirId: string;
  display: string;
  birthYear: number | null;
  /** The medical record number at this hospital (the Patient's "MR" identifier), when the bundle carried one. */
  mrn: string | null;
}

type Identifier = { value?: unknown; type?: { coding?: { system?: string; code?: string }[] } };

/** A FHIR Patient's medical record number: the value of its identifier typed v2-0203 "MR". */
export function mrnOf(patient: Record<string, unknown> | undefined): string | null {
  const ids = Array.isArray(patient?.identifier) ? (patient.identifier as Identifier[]) : [];
  const mr = ids.find((i) => i.type?.coding?.some((c) => c.code === 'MR' && (!c.system || c.system.endsWith('/v2-0203'))) && typeof i.value === 'string' && i.value.trim());
  return mr ? String(mr.value).trim().slice(0, 100) : null;
}

export const PROVISIONAL_ID_LENGTH = 48;

export function findPatientByFhirId(node: TrichainNode, fhirId: string): PatientEntry | null {
  const r = node.db.prepare(`${SELECT} WHERE fhir_id = ?`).get(fhirId) as Row | undefined;
  return r ? fromRow(r) : null;
}

export function findPatient(node: TrichainNode, pk: Uint8Array): PatientEntry | null {
  const r = node.db.prepare(`${SELECT} WHERE pk = ?`).get(pk) as Row | undefined;
  return r ? fromRow(r) : null;
}

const SELECT = 'SELECT pk, x25519, fhir_id, display, birth_year, mrn FROM emr_patients';
type Row = { pk: Buffer; x25519: Buffer; fhir_id: string; display: string; birth_year: number | null; mrn: string | null };
const fromRow = (r: Row): PatientEntry => ({
  pk: new Uint8Array(r.pk), x25519: r.x25519.length ? new Uint8Array(r.x25519) : null, fhirId: r.fhir_id, display: r.display, birthYear: r.birth_year, mrn: r.mrn,
});

/** Patients whose name, MRN or FHIR id contains `query` (case-insensitive; LIKE's wildcards are taken literally). */
export function listPatients(node: TrichainNode, query = ''): PatientEntry[] {
  const q = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = node.db.prepare(`${SELECT} WHERE lower(display) LIKE ? ESCAPE '\\' OR lower(mrn) LIKE ? ESCAPE '\\' OR lower(fhir_id) LIKE ? ESCAPE '\\' ORDER BY display LIMIT 500`).all(q, q, q) as Row[];
  return rows.map(fromRow);
}

/**
 * Registers a patient at this hospital only: a provisional id and the local index entry, nothing
 * on the patient chain and no key (the patient makes theirs and enrols). Idempotent per FHIR id.
 */
export function registerPatient(node: TrichainNode, p: { fhirId: string; display: string; birthYear: number | null; mrn?: string | null }): PatientEntry {
  const existing = findPatientByFhirId(node, p.fhirId);
  if (existing) {
    // A patient registered before MRNs were kept (or from a bundle without one) gets it now.
    if (p.mrn && !existing.mrn) {
      node.db.prepare('UPDATE emr_patients SET mrn = ? WHERE fhir_id = ?').run(p.mrn, p.fhirId);
      return { ...existing, mrn: p.mrn };
    }
    return existing;
  }
  const pk = new Uint8Array(randomBytes(PROVISIONAL_ID_LENGTH));
  const mrn = p.mrn ?? null;
  node.db
    .prepare('INSERT INTO emr_patients (pk, x25519, fhir_id, display, birth_year, mrn, activation, created) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)')
    .run(pk, new Uint8Array(0), p.fhirId, p.display, p.birthYear, mrn, Date.now());
  return { pk, x25519: null, fhirId: p.fhirId, display: p.display, birthYear: p.birthYear, mrn };
}

/** Enrolment, locally: the entry now names the patient by their own keys. */
export function setPatientKeys(node: TrichainNode, fhirId: string, keys: { pk: Uint8Array; x25519: Uint8Array }): void {
  const before = findPatientByFhirId(node, fhirId);
  if (!before) throw new NotFound(`no patient ${fhirId} is registered at this hospital`);
  node.db.transaction(() => {
    node.db.prepare('UPDATE emr_patients SET pk = ?, x25519 = ? WHERE fhir_id = ?').run(keys.pk, keys.x25519, fhirId);
    node.db.prepare('UPDATE emr_records SET patient_pk = ? WHERE patient_pk = ?').run(keys.pk, before.pk);
  })();
}
