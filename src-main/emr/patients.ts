/**
 * Patients known to a hospital node. A patient registered at a hospital gets an identity of their
 * own (BLS + X25519 keys); the hospital registers the public keys on the patient chain (with the
 * proof of possession) and writes the patient's keystore locked with a one-time activation code
 * that staff hand to the patient, who opens it on their laptop (`trichain init --role patient
 * --activate FILE`). The hospital never needs the patient's secret key again: records are wrapped
 * for the patient's public key.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { toHex } from '../codec/hex';
import { createIdentity, saveKeystore } from '../crypto/keystore';
import type { TrichainNode } from '../node/node';

export interface PatientEntry {
  pk: Uint8Array;
  x25519: Uint8Array;
  fhirId: string;
  display: string;
  birthYear: number | null;
  activation: string | null;
}

/** A human-typable activation code: 20 base32 characters in groups of 4 (100 bits). */
export function activationCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % 32]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

export function patientKeystorePath(node: TrichainNode, pk: Uint8Array): string {
  return join(node.paths.dir, 'patients', `${toHex(pk).slice(0, 24)}.json`);
}

export function findPatientByFhirId(node: TrichainNode, fhirId: string): PatientEntry | null {
  const r = node.db.prepare(`${SELECT} WHERE fhir_id = ?`).get(fhirId) as Row | undefined;
  return r ? fromRow(r) : null;
}

export function findPatient(node: TrichainNode, pk: Uint8Array): PatientEntry | null {
  const r = node.db.prepare(`${SELECT} WHERE pk = ?`).get(pk) as Row | undefined;
  return r ? fromRow(r) : null;
}

const SELECT = 'SELECT pk, x25519, fhir_id, display, birth_year, activation FROM emr_patients';
type Row = { pk: Buffer; x25519: Buffer; fhir_id: string; display: string; birth_year: number | null; activation: string | null };
const fromRow = (r: Row): PatientEntry => ({ pk: new Uint8Array(r.pk), x25519: new Uint8Array(r.x25519), fhirId: r.fhir_id, display: r.display, birthYear: r.birth_year, activation: r.activation });

export function listPatients(node: TrichainNode, query = ''): PatientEntry[] {
  const q = `%${query.toLowerCase()}%`;
  const rows = node.db.prepare(`${SELECT} WHERE lower(display) LIKE ? OR fhir_id LIKE ? ORDER BY display LIMIT 500`).all(q, q) as Row[];
  return rows.map(fromRow);
}

/**
 * Adds a patient registered elsewhere (known by the public keys on the patient chain) to this
 * hospital's local index, so staff can find them; no activation code, no new identity.
 */
export function indexKnownPatient(node: TrichainNode, p: Omit<PatientEntry, 'activation'>): void {
  node.db
    .prepare('INSERT OR IGNORE INTO emr_patients (pk, x25519, fhir_id, display, birth_year, activation, created) VALUES (?, ?, ?, ?, ?, NULL, ?)')
    .run(p.pk, p.x25519, p.fhirId, p.display, p.birthYear, Date.now());
}

/**
 * Registers a new patient on the patient chain (custodial key creation at the hospital) and
 * indexes them locally. Returns the entry with its activation code.
 */
export async function registerPatient(node: TrichainNode, p: { fhirId: string; display: string; birthYear: number | null }, opts: { scryptN?: number } = {}): Promise<PatientEntry> {
  const existing = findPatientByFhirId(node, p.fhirId);
  if (existing) return existing;
  const id = createIdentity({ name: `patient ${p.fhirId.slice(0, 8)}`, role: 'patient' }, node.bls);
  const code = activationCode();
  const file = patientKeystorePath(node, id.blsPublicKey);
  mkdirSync(join(node.paths.dir, 'patients'), { recursive: true, mode: 0o700 });
  await saveKeystore(file, id, code, { N: opts.scryptN ?? 2 ** 14 });
  // On the chain the patient is a pseudonymous key: no name, no identifier.
  node.submit('patient', 'member.register', { role: 'patient', name: 'patient', blsPk: id.blsPublicKey, x25519Pk: id.x25519PublicKey, pop: id.proofOfPossession() });
  node.db
    .prepare('INSERT INTO emr_patients (pk, x25519, fhir_id, display, birth_year, activation, created) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(id.blsPublicKey, id.x25519PublicKey, p.fhirId, p.display, p.birthYear, code, Date.now());
  return { pk: id.blsPublicKey, x25519: id.x25519PublicKey, fhirId: p.fhirId, display: p.display, birthYear: p.birthYear, activation: code };
}
