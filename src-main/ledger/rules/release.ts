/**
 * Hospital chain: what a hospital releases to an outside entity, checked by the chain's
 * validators (DESIGN.md §5; ledger/release.ts for the commitments).
 *
 *   records.release  the record list behind one share (record id, version, salt, hash of the
 *                    released resource) and the consent it answers. Accepted only when every record
 *                    is anchored on this chain by this organization, belongs to the consent's
 *                    patient, carries labels that fit the consent (only its categories, no
 *                    sensitivity code it does not name), the block time lies inside the consent's
 *                    period, and the root recomputed from the anchored labels is the stated one.
 *                    A validator admitting it also checks the consent on its patient chain: the
 *                    same terms, granted by that transaction, not revoked.
 *   records.attest   the constant-size statement that goes into the cross-chain proof and onto the
 *                    social chain: request, package hash, consent transaction, root, count. Accepted
 *                    only when the same hospital's records.release for that request says the same.
 *
 * Each hospital releases and attests once per request (issue 11: every hospital holding records
 * answers for itself). The request's first release keeps the keys it had before releases were per
 * hospital (so old blocks apply to the same state root); another hospital's are keyed by it too.
 *
 * State:
 *   release/<requestId>             -> ReleaseState (the request's first release)
 *   release/<requestId>@<hospital>  -> ReleaseState (another hospital's; '@' never occurs in an id)
 *   attest/<requestId>[@<hospital>] -> attestation tx id, beside its release's key
 */
import { z } from 'zod';
import { bytesEqual, type Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { CATEGORIES, SENSITIVITY_CODES } from '../../../src-shared/vocabulary';
import { labelsMisfit, releaseCommitment, releaseLeafHash, releaseRoot, SALT_BYTES, sourceTag } from '../release';
import { requireMember } from './members';
import { recordHead, recordVersion } from './hospital';
import { consentOf } from './patient';
import { blsPk, hash32, bytes, id, period } from './schemas';
import { reject, type StateReader, type TxContext, type TxRule } from './types';

export const MAX_RELEASED_RECORDS = 20_000;

const consentTerms = z
  .object({
    consentId: id,
    /** Id of the consent.grant transaction on the patient chain. */
    grantTx: hash32,
    /** The key that signed the consent: the patient's key for this grantee (what the entity sees). */
    patient: blsPk,
    /** The patient's main key, which owns that key on the patient chain and heads the records (hospital chain only). */
    owner: blsPk,
    categories: z.array(z.enum(CATEGORIES)).min(1).max(CATEGORIES.length),
    sensitivity: z.array(z.enum(SENSITIVITY_CODES)).max(SENSITIVITY_CODES.length),
    period,
  })
  .strict();
export type ConsentTerms = z.infer<typeof consentTerms>;

export const recordsReleaseBody = z
  .object({
    requestId: id,
    packageHash: hash32,
    consent: consentTerms,
    records: z.array(z.object({ recordId: id, version: z.number().int().positive(), salt: bytes(SALT_BYTES), released: hash32 }).strict()).min(1).max(MAX_RELEASED_RECORDS),
    root: hash32,
  })
  .strict();
export type RecordsReleaseBody = z.infer<typeof recordsReleaseBody>;

export interface ReleaseState {
  requestId: string;
  packageHash: Uint8Array;
  consentId: string;
  grantTx: Uint8Array;
  root: Uint8Array;
  count: number;
  author: Uint8Array;
  tx: Uint8Array;
}

const firstKey = (requestId: string) => `release/${requestId}`;
const laterKey = (requestId: string, org: Uint8Array) => `release/${requestId}@${toHex(org)}`;

/** Where `org`'s release of a request is stored (undefined: it has none). */
function releaseKey(s: StateReader, requestId: string, org: Uint8Array): string | undefined {
  const first = s.get(firstKey(requestId)) as ReleaseState | undefined;
  if (first && bytesEqual(first.author, org)) return firstKey(requestId);
  return s.get(laterKey(requestId, org)) ? laterKey(requestId, org) : undefined;
}

/** `org`'s release of a request; without `org`, the request's first release. */
export function releaseOf(s: StateReader, requestId: string, org?: Uint8Array): ReleaseState | undefined {
  const key = org ? releaseKey(s, requestId, org) : firstKey(requestId);
  return key ? (s.get(key) as ReleaseState | undefined) : undefined;
}

/** The key of the attestation of `org`'s release (beside the release's own key). */
const attestKey = (s: StateReader, requestId: string, org: Uint8Array): string => `attest${releaseKey(s, requestId, org)!.slice('release'.length)}`;

/** The id of `org`'s attestation for a request, once committed. */
export function attestationOf(s: StateReader, requestId: string, org: Uint8Array): Uint8Array | undefined {
  return releaseKey(s, requestId, org) ? (s.get(attestKey(s, requestId, org)) as Uint8Array | undefined) : undefined;
}

/** A validator's own look at the consent on its replica of the patient chain (admission only). */
function admitConsent(ctx: TxContext, terms: Pick<ConsentTerms, 'consentId' | 'grantTx'> & Partial<ConsentTerms>, what: string): void {
  if (!ctx.peer) return;
  const patient = ctx.peer('patient');
  if (!patient) reject(`${what}: this validator does not hold the patient chain, so it cannot check the consent`);
  const c = consentOf(patient, terms.consentId);
  if (!c) reject(`${what}: consent ${terms.consentId} is not on the patient chain`);
  if (!bytesEqual(c.grantTx, terms.grantTx)) reject(`${what}: consent ${terms.consentId} was granted by another transaction`);
  if (c.status === 'revoked') reject(`${what}: consent ${terms.consentId} was revoked`);
  if (terms.patient && !bytesEqual(c.patient, terms.patient)) reject(`${what}: consent ${terms.consentId} is another patient's`);
  if (terms.owner && !(c.owner instanceof Uint8Array && bytesEqual(c.owner, terms.owner))) reject(`${what}: consent ${terms.consentId} is owned by another patient`);
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
  if (terms.categories && !same(c.categories, terms.categories)) reject(`${what}: the stated categories differ from consent ${terms.consentId}`);
  if (terms.sensitivity && !same(c.sensitivity, terms.sensitivity)) reject(`${what}: the stated sensitivity codes differ from consent ${terms.consentId}`);
  if (terms.period && (c.period.start !== terms.period.start || c.period.end !== terms.period.end)) reject(`${what}: the stated period differs from consent ${terms.consentId}`);
}

const recordsRelease: TxRule<RecordsReleaseBody> = {
  body: recordsReleaseBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital'], 'release records');
    if (releaseOf(ctx.state, b.requestId, tx.author)) reject(`release records: this hospital already released records for request ${b.requestId}`);
    const terms = b.consent;
    if (ctx.time < terms.period.start) reject(`release records: consent ${terms.consentId} is not yet in force`);
    if (ctx.time > terms.period.end) reject(`release records: consent ${terms.consentId} has expired`);
    const seen = new Set<string>();
    const leaves = b.records.map((r, i) => {
      const what = `release records: record ${i} (${r.recordId} v${r.version})`;
      if (seen.has(r.recordId)) reject(`${what} is listed twice`);
      seen.add(r.recordId);
      const head = recordHead(ctx.state, r.recordId);
      const v = recordVersion(ctx.state, r.recordId, r.version);
      if (!head || !v) reject(`${what} is not anchored on this chain`);
      if (head.erased) reject(`${what} was erased`);
      if (toHex(head.org) !== toHex(tx.author)) reject(`${what} was not anchored by this organization`);
      if (!bytesEqual(head.patient, terms.owner)) reject(`${what} belongs to another patient than the consent's`);
      const misfit = labelsMisfit(v.labels, terms);
      if (misfit) reject(`${what}: ${misfit}`);
      return releaseLeafHash({ commitment: releaseCommitment(r.salt, r.released, sourceTag(r.salt, v.contentHash)), labels: v.labels, version: r.version, patient: terms.patient });
    });
    if (!bytesEqual(releaseRoot(leaves), b.root)) reject('release records: the root does not match the records with their anchored labels');
    admitConsent(ctx, terms, 'release records');
  },
  apply(tx, b, ctx) {
    const s: ReleaseState = {
      requestId: b.requestId, packageHash: b.packageHash, consentId: b.consent.consentId, grantTx: b.consent.grantTx,
      root: b.root, count: b.records.length, author: tx.author, tx: ctx.txId,
    };
    const key = ctx.state.get(firstKey(b.requestId)) ? laterKey(b.requestId, tx.author) : firstKey(b.requestId);
    ctx.state.put(key, s as unknown as Canonical);
  },
};

export const recordsAttestBody = z
  .object({
    requestId: id,
    packageHash: hash32,
    /** Id of the consent.grant transaction on the patient chain (it names the consent). */
    consentTx: hash32,
    root: hash32,
    count: z.number().int().positive().max(MAX_RELEASED_RECORDS),
  })
  .strict();
export type RecordsAttestBody = z.infer<typeof recordsAttestBody>;

const recordsAttest: TxRule<RecordsAttestBody> = {
  body: recordsAttestBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital'], 'attest records');
    const r = releaseOf(ctx.state, b.requestId, tx.author);
    if (!r) reject(`attest records: this hospital has no committed release for request ${b.requestId}`);
    if (attestationOf(ctx.state, b.requestId, tx.author)) reject(`attest records: this hospital already attested request ${b.requestId}`);
    if (!bytesEqual(r.root, b.root) || r.count !== b.count) reject('attest records: root or count differs from the release');
    if (!bytesEqual(r.packageHash, b.packageHash)) reject('attest records: package hash differs from the release');
    if (!bytesEqual(r.grantTx, b.consentTx)) reject('attest records: consent differs from the release');
    admitConsent(ctx, { consentId: r.consentId, grantTx: b.consentTx }, 'attest records');
  },
  apply(tx, b, ctx) {
    ctx.state.put(attestKey(ctx.state, b.requestId, tx.author), ctx.txId);
  },
};

export const releaseRules = {
  'records.release': recordsRelease,
  'records.attest': recordsAttest,
};

export { admitConsent };
