/**
 * Enrolment (issue 13): a patient's keys are made on the patient's own device; the hospital
 * registers only the public keys and their proof of possession.
 *
 *   1. On the laptop, `trichain init --role patient` makes the identity, shows its recovery phrase
 *      once, and prints an enrolment request: `trichain-enrol:` + base64url of the canonical CBOR
 *      { v, blsPk, x25519Pk, pop, time, sig }, where pop is the BLS proof of possession and sig the
 *      BLS signature over domainBytes('patient/enrol', { blsPk, x25519Pk, time }) (binding the
 *      X25519 key to the BLS key). The `trichain-peer:` line of `trichain join` serves as well.
 *   2. At the hospital, `trichain enrol REQUEST --patient FHIR_ID` (enrolPatient): registers the key on
 *      the patient chain (member.register with the proof of possession), binds the records it
 *      anchored under the patient's provisional id to the key (patient.bind, hospital chain), and
 *      wraps each record's data key for the patient (record.linkBatch, patient chain: up to 500 per
 *      transaction, one ephemeral key per batch).
 * Nothing secret crosses: the request holds public keys and signatures only.
 */
import { bytesEqual, canonicalDecode, canonicalEncode, domainBytes } from '../codec/canonical';
import { fromB64u, toB64u, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import type { Identity } from '../crypto/identity';
import { boundTo, recordHead } from '../ledger/rules/hospital';
import { getMember } from '../ledger/rules/members';
import { MAX_RECORD_BATCH } from '../ledger/rules/schemas';
import { BINDING_PREFIX, decodeBindingString, verifyBinding } from '../net/binding';
import type { TrichainNode } from '../node/node';
import { findPatientByFhirId, registerPatient, setPatientKeys } from './patients';
import { writeKeptAudit } from './audit';
import { recordAad, unwrapWith, wrapAllFor } from './record-crypto';
import { indexedRecordIds, patientRecordIds, recordInfo } from './records';

export const ENROL_PREFIX = 'trichain-enrol:';
const ENROL_DOMAIN = 'patient/enrol';
/** An enrolment request older than this is refused (it is shown on the laptop and typed in at once). */
export const ENROL_MAX_AGE_MS = 30 * 24 * 3600_000;

export class EnrolError extends Error {}

export interface EnrolmentRequest {
  blsPk: Uint8Array;
  x25519Pk: Uint8Array;
  pop: Uint8Array;
  time: number;
}

/** The patient's side: the request the laptop shows (public keys and signatures only). */
export function makeEnrolmentRequest(identity: Identity, time = Date.now()): string {
  const body = { blsPk: identity.blsPublicKey, x25519Pk: identity.x25519PublicKey, time };
  const sig = identity.sign(domainBytes(ENROL_DOMAIN, body));
  return ENROL_PREFIX + toB64u(canonicalEncode({ v: 1, ...body, pop: identity.proofOfPossession(), sig }));
}

const isBytes = (v: unknown, n: number): v is Uint8Array => v instanceof Uint8Array && v.length === n;

/** Decodes and verifies an enrolment request (or a patient's `trichain-peer:` join line). */
export function parseEnrolmentRequest(bls: BlsApi, text: string, now = Date.now()): EnrolmentRequest {
  const line = String(text ?? '').trim();
  if (line.startsWith(BINDING_PREFIX)) {
    let b;
    try {
      b = decodeBindingString(line);
    } catch (e) {
      throw new EnrolError(`enrolment request: ${(e as Error).message}`);
    }
    if (b.statement.role !== 'patient') throw new EnrolError(`enrolment request: the join line is a ${b.statement.role}'s, not a patient's`);
    if (!b.statement.x25519Pk || !b.pop || !verifyBinding(bls, b)) throw new EnrolError('enrolment request: the join line does not verify');
    return { blsPk: b.statement.blsPk, x25519Pk: b.statement.x25519Pk, pop: b.pop, time: b.statement.time };
  }
  if (!line.startsWith(ENROL_PREFIX)) throw new EnrolError(`enrolment request must start with ${ENROL_PREFIX}`);
  let v: Record<string, unknown>;
  try {
    v = canonicalDecode(fromB64u(line.slice(ENROL_PREFIX.length))) as Record<string, unknown>;
  } catch {
    throw new EnrolError('enrolment request is not valid (mistyped or truncated?)');
  }
  if (!v || v.v !== 1) throw new EnrolError('enrolment request: unsupported version');
  if (!isBytes(v.blsPk, 48) || !isBytes(v.x25519Pk, 32) || !isBytes(v.pop, 96) || !isBytes(v.sig, 96) || !Number.isSafeInteger(v.time)) throw new EnrolError('enrolment request: malformed fields');
  const r = { blsPk: v.blsPk, x25519Pk: v.x25519Pk, pop: v.pop, time: v.time as number };
  if (!bls.popVerify(r.blsPk, r.pop)) throw new EnrolError('enrolment request: the proof of possession does not verify');
  if (!bls.verify(r.blsPk, domainBytes(ENROL_DOMAIN, { blsPk: r.blsPk, x25519Pk: r.x25519Pk, time: r.time }), v.sig)) throw new EnrolError('enrolment request: the signature does not verify');
  if (r.time > now + 10 * 60_000 || now - r.time > ENROL_MAX_AGE_MS) throw new EnrolError('enrolment request has expired: make a new one on the patient\'s device');
  return r;
}

export interface EnrolResult {
  /** The patient's key (hex). */
  patient: string;
  registered: 'already-member' | 'committed' | 'pending';
  bound: boolean;
  linked: number;
}

/**
 * The hospital's side. `fhirId` names the patient in this hospital's index; a patient not yet
 * registered here is registered with `display`. Idempotent: running it again links what is missing.
 * Where the registration on the patient chain is still pending (this node is no validator),
 * `waitForCommit` is awaited before the records are linked.
 */
export async function enrolPatient(
  node: TrichainNode,
  a: {
    fhirId: string; request: string; display?: string; birthYear?: number | null; waitForCommit?: () => Promise<void>;
    /** Waits until ok() holds after committed blocks (bounded; may throw): this hospital's own records still on their way to the chain. */
    until?: (ok: () => boolean) => Promise<void>;
  },
): Promise<EnrolResult> {
  if (node.config.role !== 'hospital') throw new EnrolError('only a hospital enrols patients');
  const req = parseEnrolmentRequest(node.bls, a.request);
  let entry = findPatientByFhirId(node, a.fhirId);
  if (!entry) {
    if (!a.display) throw new EnrolError(`no patient ${a.fhirId} is registered at this hospital`);
    entry = registerPatient(node, { fhirId: a.fhirId, display: a.display, birthYear: a.birthYear ?? null });
  }
  if (entry.x25519 && !bytesEqual(entry.pk, req.blsPk)) throw new EnrolError(`patient ${a.fhirId} is already enrolled with another key`);
  // Records stored here under the provisional id that the chain has not committed yet could not be
  // linked, and would be left behind once the patient's keys replace the provisional id: wait for
  // them, or refuse (nothing changed) and say why.
  if (!bytesEqual(entry.pk, req.blsPk)) {
    const provisionalPk = entry.pk;
    const waiting = () => indexedRecordIds(node, provisionalPk).filter((id) => !recordHead(node.ledger.state('hospital'), id)).length;
    if (waiting() > 0) await a.until?.(() => waiting() === 0).catch(() => {});
    if (waiting() > 0) throw new EnrolError(`${waiting()} of this hospital's records of ${entry.display} have not reached the chain yet: enrol again once they have committed (see Network)`);
  }

  const pst = () => node.ledger.state('patient');
  const existing = getMember(pst(), req.blsPk);
  if (existing && existing.role !== 'patient') throw new EnrolError('that key is registered with another role');
  let registered: EnrolResult['registered'] = 'already-member';
  if (!existing) registered = node.submit('patient', 'member.register', { role: 'patient', name: 'patient', blsPk: req.blsPk, x25519Pk: req.x25519Pk, pop: req.pop }).status;
  else if (!bytesEqual(existing.x25519Pk, req.x25519Pk)) throw new EnrolError('the request\'s X25519 key differs from the one registered for this patient');
  if (getMember(pst(), req.blsPk)?.role !== 'patient') {
    await a.waitForCommit?.();
    if (getMember(pst(), req.blsPk)?.role !== 'patient') throw new EnrolError('the registration is pending: enrol again once this node has reached its validators');
  }

  // The records this organization anchored under the provisional id (and any already bound).
  const hst = node.ledger.state('hospital');
  const mine = (ids: string[]) => ids.filter((id) => {
    const h = recordHead(hst, id);
    return h && !h.erased && toHex(h.org) === node.publicKeyHex;
  });
  const provisional = entry.pk;
  const isProvisional = !bytesEqual(provisional, req.blsPk);
  const underProvisional = isProvisional ? mine(patientRecordIds(node, provisional)) : [];
  let bound = false;
  if (underProvisional.length > 0 && !boundTo(hst, provisional)) {
    node.submit('hospital', 'patient.bind', { provisional, patient: req.blsPk });
    bound = true;
  }
  setPatientKeys(node, a.fhirId, { pk: req.blsPk, x25519: req.x25519Pk });

  // Each record's data key wrapped for the patient, linked in batches (record.linkBatch, one ephemeral key per batch).
  const toLink: { info: ReturnType<typeof recordInfo>; dataKey: Uint8Array; aad: Uint8Array }[] = [];
  try {
    for (const recordId of new Set([...underProvisional, ...mine(patientRecordIds(node, req.blsPk))])) {
      const info = recordInfo(node, recordId);
      const link = pst().get(`link/${toHex(req.blsPk)}/${recordId}`) as { version?: number } | undefined;
      if (link?.version === info.version) continue;
      const own = hst.get(`record/${recordId}/v/${info.version}/key/${node.publicKeyHex}`);
      if (!own) continue;
      const aad = recordAad(recordId, info.version);
      toLink.push({ info, aad, dataKey: unwrapWith(node.identity.x25519SecretKey, own, aad) });
    }
    for (let i = 0; i < toLink.length; i += MAX_RECORD_BATCH) {
      const chunk = toLink.slice(i, i + MAX_RECORD_BATCH);
      const keys = wrapAllFor(req.x25519Pk, chunk);
      const entries = chunk.map(({ info }, j) => ({
        recordId: info.recordId, version: info.version, anchorTx: info.meta.tx, resourceType: info.resourceType,
        blobHash: info.meta.blobHash, contentHash: info.meta.contentHash, patientKey: keys[j], category: info.labels.category,
      }));
      node.submit('patient', 'record.linkBatch', { patient: req.blsPk, org: node.identity.blsPublicKey, entries }, { defer: true });
    }
  } finally {
    for (const l of toLink) l.dataKey.fill(0);
  }
  node.commitPending('patient');
  // What this hospital did with the patient's records before they enrolled (an import, records added) goes into their trail now.
  writeKeptAudit(node, isProvisional ? [provisional, req.blsPk] : [req.blsPk], req.blsPk);
  return { patient: toHex(req.blsPk), registered, bound, linked: toLink.length };
}
