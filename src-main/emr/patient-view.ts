/**
 * The patient's own view (DESIGN.md §2): every record of theirs from every hospital, found through
 * the index on the patient chain and decrypted with the patient's key. A patient laptop needs only
 * the patient chain and its own blobs.
 */
import { toHex } from '../codec/hex';
import { contentHash } from '../crypto/hash';
import type { RecordLink } from '../ledger/rules/patient';
import { getMember } from '../ledger/rules/members';
import type { TrichainNode } from '../node/node';
import { openBlob, recordAad, unwrapWith } from './record-crypto';
import type { FhirResource } from './records';
import { NotFound } from '../ledger/errors';

export interface MyRecord {
  link: RecordLink;
  orgName: string;
  available: boolean;
}

/** The latest version of each record linked to `patient` (default: this node's identity). */
export function myRecords(node: TrichainNode, patient: Uint8Array = node.identity.blsPublicKey): MyRecord[] {
  const st = node.ledger.state('patient');
  return st.scan(`link/${toHex(patient)}/`).map(([, v]) => {
    const link = v as unknown as RecordLink;
    return { link, orgName: getMember(st, link.org)?.name ?? toHex(link.org).slice(0, 12), available: node.blobs.has(link.blobHash) };
  });
}

/** Decrypts one of the patient's records with the patient's own X25519 key. */
export function readMyRecord(node: TrichainNode, link: RecordLink): FhirResource {
  const blob = node.blobs.get(link.blobHash);
  if (!blob) throw new NotFound(`record ${link.recordId} has not reached this device yet (or was erased)`);
  const aad = recordAad(link.recordId, link.version);
  const plain = openBlob(blob, unwrapWith(node.identity.x25519SecretKey, link.patientKey, aad), aad);
  if (toHex(contentHash(plain)) !== toHex(link.contentHash)) throw new Error(`record ${link.recordId} does not match its anchored hash`);
  return JSON.parse(new TextDecoder().decode(plain)) as FhirResource;
}
