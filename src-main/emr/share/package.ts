/**
 * A shared package as the entity receives it, and the checks that tie its contents to the proof.
 *
 * Inside the encryption: `{ bundle, openings }`, the de-identified FHIR Bundle and, per entry (same
 * order), the opening of its leaf in the attested Merkle root (ledger/release.ts): salt, source
 * tag, labels, version and the consent's patient key. The entity recomputes every leaf from the
 * resource it decrypted, the root from all leaves (so nothing was added, left out or changed), and
 * checks each record's labels and patient against the consent the proof carries.
 *
 * On disk (`trichain demo --walk`, `trichain package verify`): canonical CBOR of
 * `{ format, version, requestId, ciphertext, proof }`. Decoding re-encodes and compares, so a file
 * with any byte changed is either refused as non-canonical or fails a later check.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { bytesEqual, canonicalDecode, canonicalEncode, type Canonical } from '../../codec/canonical';
import { fromHex, toHex, utf8 } from '../../codec/hex';
import { labelsMisfit, releaseCommitment, releaseLeafHash, releaseRoot } from '../../ledger/release';
import type { CrossChainProof } from './proof';

export interface PackageOpening {
  salt: string;
  source: string;
  labels: { category: string; sensitivity: string[]; confidentiality: string; rulesVersion: number };
  version: number;
  patient: string;
}

export interface PackagePayload {
  bundle: { resourceType: 'Bundle'; type?: string; entry?: { resource: Record<string, unknown> }[] };
  openings: PackageOpening[];
}

/** SHA-256 of the resource as released (its JSON text, as the entity re-serializes what it decrypted). */
export const releasedHash = (resource: unknown): Uint8Array => sha256(utf8(JSON.stringify(resource)));

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const openingShape = z
  .object({
    salt: hex(64),
    source: hex(64),
    labels: z.object({ category: z.string(), sensitivity: z.array(z.string()), confidentiality: z.string(), rulesVersion: z.number().int() }).strict(),
    version: z.number().int().positive(),
    patient: hex(96),
  })
  .strict();
const payloadShape = z
  .object({
    bundle: z.object({ resourceType: z.literal('Bundle'), entry: z.array(z.object({ resource: z.record(z.string(), z.unknown()) }).passthrough()).optional() }).passthrough(),
    openings: z.array(openingShape),
  })
  .strict();

export function parsePayload(plaintext: Uint8Array): PackagePayload {
  const parsed = payloadShape.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
  if (!parsed.success) throw new Error(`package contents are malformed: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data as PackagePayload;
}

export type ContentsCheck = { ok: true; count: number } | { ok: false; reason: string };

/**
 * Every received record against the attested root, and its labels against the consent: only the
 * consent's categories, no sensitivity code it does not name, the consent's patient.
 */
export function checkPackageContents(proof: CrossChainProof, payload: PackagePayload): ContentsCheck {
  const consent = proof.consent.tx.body as { patient: Uint8Array; categories: string[]; sensitivity: string[] };
  const attest = proof.attestation.tx.body as { root: Uint8Array; count: number };
  const entries = payload.bundle.entry ?? [];
  if (entries.length !== payload.openings.length) return { ok: false, reason: `${entries.length} records but ${payload.openings.length} openings` };
  if (entries.length !== attest.count) return { ok: false, reason: `${entries.length} records received, ${attest.count} attested` };
  const patientHex = toHex(consent.patient);
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i++) {
    const o = payload.openings[i];
    const what = `record ${i + 1} (${String(entries[i].resource.resourceType)})`;
    if (o.patient !== patientHex) return { ok: false, reason: `${what} belongs to another patient than the consent's` };
    const misfit = labelsMisfit(o.labels, { categories: consent.categories, sensitivity: consent.sensitivity ?? [] });
    if (misfit) return { ok: false, reason: `${what}: ${misfit}` };
    const salt = fromHex(o.salt);
    const commitment = releaseCommitment(salt, releasedHash(entries[i].resource), fromHex(o.source));
    leaves.push(releaseLeafHash({ commitment, labels: o.labels, version: o.version, patient: consent.patient }));
  }
  if (!bytesEqual(releaseRoot(leaves), attest.root)) return { ok: false, reason: 'the received records do not match the attested Merkle root' };
  return { ok: true, count: entries.length };
}

// ---- the package file -------------------------------------------------------------------------

export const PACKAGE_FORMAT = 'trichain-package';

export interface PackageFile {
  format: typeof PACKAGE_FORMAT;
  version: 1;
  requestId: string;
  /** The encrypted package blob, as published (its SHA-256 is the package hash). */
  ciphertext: Uint8Array;
  proof: CrossChainProof;
}

export const encodePackageFile = (f: Omit<PackageFile, 'format' | 'version'>): Uint8Array =>
  canonicalEncode({ format: PACKAGE_FORMAT, version: 1, requestId: f.requestId, ciphertext: f.ciphertext, proof: f.proof } as unknown as Canonical);

export function decodePackageFile(bytes: Uint8Array): PackageFile {
  let f: PackageFile;
  try {
    f = canonicalDecode(bytes) as unknown as PackageFile;
  } catch (e) {
    throw new Error(`not a package file: ${(e as Error).message}`);
  }
  if (!f || typeof f !== 'object' || f.format !== PACKAGE_FORMAT || f.version !== 1) throw new Error('not a trichain package file (format or version)');
  if (Object.keys(f).sort().join(',') !== 'ciphertext,format,proof,requestId,version') throw new Error('package file has unexpected fields');
  if (typeof f.requestId !== 'string' || !(f.ciphertext instanceof Uint8Array) || !f.proof || typeof f.proof !== 'object') throw new Error('package file is malformed');
  if (!bytesEqual(canonicalEncode(f as unknown as Canonical), bytes)) throw new Error('package file is not in canonical form');
  return f;
}

export const packageHashOf = (ciphertext: Uint8Array): Uint8Array => sha256(ciphertext);
