/**
 * The cross-chain proof (DESIGN.md §5). A share of patient P's records with entity E rests on
 * statements by different keys on different chains:
 *   - P's consent, a transaction on the patient chain signed by P;
 *   - hospital H's attestation, on the hospital chain: one Merkle root over the released records'
 *     salted commitments, labels and versions (ledger/release.ts), for this package, under this
 *     consent; its validators admitted it only after checking each record against the consent;
 *   - the validators' certificates of the three blocks that hold the consent, the attestation and
 *     the published package (social chain).
 * These are distinct messages, so their signatures aggregate into ONE 96-byte BLS signature,
 * checked with one multi-pairing (draft-irtf-cfrg-bls-signature-05 §2.9, AggregateVerify):
 *   e(g1, σ) = e(pk_P, H(consent)) · e(pk_H, H(attestation)) · Π_chains e(apk_c, H(vote_c))
 * where apk_c is the aggregate key of the validators who signed chain c's block certificate
 * (all keys entered with a proof of possession, so rogue keys cannot cancel). With block headers
 * and RFC 6962 inclusion proofs of the (signature-less) transactions, an entity that holds only
 * the social chain verifies where the data came from, that the patient agreed, and (package.ts)
 * that every record it received is one the hospital attested with labels the consent allows.
 */
import { bytesEqual, canonicalDecode, canonicalEncode, type Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { parseBody } from '../../ledger/rules/index';
import { bytes, bytesUpTo } from '../../ledger/rules/schemas';
import { z } from 'zod';
import type { BlsApi } from '../../crypto/bls-types';
import { isPendingCertificate, quorumSigners } from '../../ledger/certificate';
import { servableHeight } from '../../ledger/catch-up';
import { blockHash, genesisHash, txId, txSigningBytes, validatorsHash, voteMessage } from '../../ledger/encoding';
import type { Ledger } from '../../ledger/ledger';
import { inclusionProof, verifyInclusion } from '../../ledger/merkle';
import { type BlockHeader, type ChainId, type Genesis, type SignedTx, type ValidatorInfo } from '../../ledger/types';
import { CHAINS } from '../../../src-shared/vocabulary';
import { MAX_CHANGE_RECORDS, replayValidatorChanges, validatorChangeRecords, type ValidatorChangeRecord } from '../../ledger/validator-history';
import { validatorChangeBody } from '../../ledger/rules/common';

/**
 * The validator-set changes of the patient and hospital chains up to the consent's and the
 * attestation's blocks (absent while a chain keeps its genesis set): a verifier that does not hold
 * those chains replays them (ledger/validator-history.ts) to know whose certificates to accept.
 */
export type CarriedChanges = Partial<Record<'patient' | 'hospital', ValidatorChangeRecord[]>>;

export const PROOF_VERSION = 1;

/** A transaction without its signature, located in a certified block (its shape: txEvidenceSchema below). */
export type TxEvidence = z.infer<typeof txEvidenceSchema>;

/** What the provider publishes with the package (inside share.publish): consent + attestation. */
export type ShareEvidence = z.infer<typeof shareEvidenceSchema>;

export interface CrossChainProof {
  version: number;
  consent: TxEvidence;
  attestation: TxEvidence;
  publish: TxEvidence;
  /** The one aggregate signature over all five statements: 96 bytes. */
  signature: Uint8Array;
  validatorChanges?: CarriedChanges;
}

function locate(ledger: Ledger, chain: ChainId, id: Uint8Array): { ev: TxEvidence; txSig: Uint8Array; certSig: Uint8Array } {
  const loc = ledger.txLocation(chain, id);
  if (!loc) throw new Error(`transaction ${toHex(id).slice(0, 16)}… is not committed on the ${chain} chain`);
  const block = ledger.block(chain, loc.height)!;
  if (isPendingCertificate(block.cert)) throw new Error(`the ${chain} block at height ${loc.height} is not certified yet (on CometBFT a block's certificate lands two heights later); try again shortly`);
  if (loc.height > servableHeight(ledger, chain)) throw new Error(`the certificate of the ${chain} block at height ${loc.height} has not been audited yet (it arrived by catch-up); try again shortly`);
  const leaves = block.txs.map(txId);
  const { sig, ...tx } = block.txs[loc.index];
  return {
    ev: { tx, header: block.header, round: block.cert.round, signers: block.cert.signers, index: loc.index, size: leaves.length, path: inclusionProof(leaves, loc.index) },
    txSig: sig,
    certSig: block.cert.signature,
  };
}

/** Built by the provider, which holds the patient and hospital chains. */
export function buildShareEvidence(ledger: Ledger, consentTx: Uint8Array, attestTx: Uint8Array): ShareEvidence {
  const c = locate(ledger, 'patient', consentTx);
  const a = locate(ledger, 'hospital', attestTx);
  const changes: CarriedChanges = {};
  const patient = validatorChangeRecords(ledger, 'patient', c.ev.header.height);
  const hospital = validatorChangeRecords(ledger, 'hospital', a.ev.header.height);
  if (patient.length) changes.patient = patient;
  if (hospital.length) changes.hospital = hospital;
  return { version: PROOF_VERSION, consent: c.ev, attestation: a.ev, signature: ledger.bls.aggregate([c.txSig, a.txSig, c.certSig, a.certSig]), ...(patient.length || hospital.length ? { validatorChanges: changes } : {}) };
}

const count = z.number().int().nonnegative();
/** A hash in a header or an audit path (32 bytes; room for a longer one). */
const digest = bytesUpTo(64);
const headerSchema = z.object({
  chain: z.enum(CHAINS), genesis: digest, height: count, prevHash: digest, time: count, proposer: count,
  txRoot: digest, sigsHash: digest, validatorsHash: digest, stateRoot: digest,
}).strict();
const txEvidenceSchema = z.object({
  tx: z.object({ chain: z.enum(CHAINS), type: z.string(), author: bytes(48), nonce: count, time: count, body: z.custom<{ [k: string]: Canonical }>((v) => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) }).strict(),
  header: headerSchema, round: count, signers: bytesUpTo(1024), index: count, size: count, path: z.array(digest).max(64),
}).strict();
/** The evidence inside a share.publish body, parsed (it comes from a chain: anything may be in it). */
const changesSchema = z.array(z.object({ height: count, body: validatorChangeBody }).strict()).max(MAX_CHANGE_RECORDS);
const shareEvidenceSchema = z.object({
  version: count, consent: txEvidenceSchema, attestation: txEvidenceSchema, signature: bytes(96),
  validatorChanges: z.object({ patient: changesSchema.optional(), hospital: changesSchema.optional() }).strict().optional(),
}).strict();

export const encodeEvidence = (e: ShareEvidence): Uint8Array => canonicalEncode(e);
export function decodeEvidence(b: Uint8Array): ShareEvidence {
  const r = shareEvidenceSchema.safeParse(canonicalDecode(b));
  if (!r.success) throw new Error(`the published evidence is malformed: ${r.error.issues[0]?.message ?? 'unknown shape'}`);
  return r.data;
}

/** Completes the proof from the social chain: the publish transaction, its block, its certificate. */
export function finalizeProof(social: Ledger, publishTx: Uint8Array): CrossChainProof {
  const p = locate(social, 'social', publishTx);
  const body = parseBody('social', 'share.publish', p.ev.tx.body);
  if (!body) throw new Error('the transaction is not a share publication');
  const ev = decodeEvidence(body.evidence);
  return { version: PROOF_VERSION, consent: ev.consent, attestation: ev.attestation, publish: p.ev, signature: social.bls.aggregate([ev.signature, p.certSig]), ...(ev.validatorChanges ? { validatorChanges: ev.validatorChanges } : {}) };
}

export interface ProofTrust {
  /** Genesis documents the verifier trusts for each chain (hash-checked when they were obtained). */
  genesis: (chain: ChainId) => Genesis | null;
  /**
   * Validator set in force at a height, for the chains the verifier holds; null for a chain it does
   * not hold: then the changes carried in the proof are replayed from the genesis set.
   */
  validatorsAt?: (chain: ChainId, height: number) => ValidatorInfo[] | null;
}

export interface ProofExpectation {
  requestId: string;
  packageHash: Uint8Array;
  entity: Uint8Array;
  entityKind?: string;
  purpose?: string;
  patient?: Uint8Array;
}

/** One check the verifier made, and what it covered (shown in the UI's proof details). */
export interface CheckCovered {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ProofDetails {
  patient: string;
  hospital: string;
  consent: { id: string; purpose: string; categories: string[]; sensitivity: string[]; period: { start: number; end: number } };
  attestation: { root: string; count: number };
  heights: Record<ChainId, number>;
  signers: Record<ChainId, number>;
  /** Size of each chain's validator set at the certified height. */
  validators: Record<ChainId, number>;
  signatureBytes: number;
  checks: CheckCovered[];
}

export type ProofCheck = { ok: true; details: ProofDetails } | { ok: false; reason: string };

const CHAIN_OF = { consent: 'patient', attestation: 'hospital', publish: 'social' } as const;
const TYPE_OF = { consent: 'consent.grant', attestation: 'records.attest', publish: 'share.publish' } as const;

/** Verifies every part of a cross-chain proof; any tampering with a header, path, message or key fails. */
export function verifyCrossChainProof(bls: BlsApi, proof: CrossChainProof, trust: ProofTrust, expect: ProofExpectation): ProofCheck {
  try {
    return verifyUnsafe(bls, proof, trust, expect);
  } catch (e) {
    return { ok: false, reason: `malformed proof: ${(e as Error).message}` };
  }
}

function verifyUnsafe(bls: BlsApi, proof: CrossChainProof, trust: ProofTrust, expect: ProofExpectation): ProofCheck {
  const fail = (reason: string): ProofCheck => ({ ok: false, reason });
  if (proof?.version !== PROOF_VERSION) return fail('unsupported proof version');
  if (!(proof.signature instanceof Uint8Array) || proof.signature.length !== 96) return fail('aggregate signature must be 96 bytes');
  const pks: Uint8Array[] = [];
  const msgs: Uint8Array[] = [];
  const heights = {} as Record<ChainId, number>;
  const signerCounts = {} as Record<ChainId, number>;
  const setSizes = {} as Record<ChainId, number>;
  for (const part of ['consent', 'attestation', 'publish'] as const) {
    const ev = proof[part];
    const chain = CHAIN_OF[part];
    const h = ev.header;
    if (ev.tx.chain !== chain || h.chain !== chain) return fail(`${part}: not on the ${chain} chain`);
    if (ev.tx.type !== TYPE_OF[part]) return fail(`${part}: transaction is a ${ev.tx.type}`);
    const g = trust.genesis(chain);
    if (!g) return fail(`no trusted genesis for the ${chain} chain`);
    if (!bytesEqual(h.genesis, genesisHash(g))) return fail(`${part}: block is not from the trusted ${chain} chain`);
    let vs = trust.validatorsAt?.(chain, h.height) ?? null;
    if (!vs) {
      const carried = chain === 'social' ? undefined : proof.validatorChanges?.[chain];
      try {
        vs = carried ? replayValidatorChanges(bls, g, carried)(h.height) : g.validators;
      } catch (e) {
        return fail(`${part}: the ${chain} chain's validator-set changes do not verify: ${(e as Error).message}`);
      }
    }
    if (!bytesEqual(h.validatorsHash, validatorsHash(vs))) return fail(`${part}: block's validator set is not the trusted one`);
    const q = quorumSigners(vs, ev.signers, 'block certificate');
    if (!q.ok) return fail(`${part}: block certificate has no quorum`);
    const signers = q.signers;
    if (!verifyInclusion(txId(ev.tx), ev.index, ev.size, ev.path, h.txRoot)) return fail(`${part}: transaction is not included in its block (Merkle proof fails)`);
    if (part !== 'publish') {
      pks.push(ev.tx.author);
      msgs.push(txSigningBytes(ev.tx));
    }
    pks.push(bls.aggregatePublicKeys(signers.map((i) => vs[i].blsPk)));
    msgs.push(voteMessage(h.genesis, h.height, ev.round, 'precommit', blockHash(h)));
    heights[chain] = h.height;
    signerCounts[chain] = signers.length;
    setSizes[chain] = vs.length;
  }
  // What the statements say must fit together and fit this request.
  const consent = parseBody('patient', 'consent.grant', proof.consent.tx.body);
  const attest = parseBody('hospital', 'records.attest', proof.attestation.tx.body);
  const publish = parseBody('social', 'share.publish', proof.publish.tx.body);
  if (!consent || !attest || !publish) return fail('a statement of the proof is not the transaction it should be');
  if (!bytesEqual(proof.consent.tx.author, consent.patient)) return fail('consent is not signed by its patient');
  if (expect.patient && !bytesEqual(consent.patient, expect.patient)) return fail('consent is from another patient');
  const g = consent.grantee;
  if (!(('entity' in g && bytesEqual(g.entity, expect.entity)) || ('kind' in g && g.kind === expect.entityKind))) return fail('consent does not name this entity');
  if (expect.purpose && consent.purpose !== expect.purpose) return fail('consent is for another purpose');
  const publishedAt = proof.publish.header.time;
  if (publishedAt < consent.period.start || publishedAt > consent.period.end) return fail('package was published outside the consent period');
  if (attest.requestId !== expect.requestId || publish.requestId !== expect.requestId) return fail('proof belongs to another request');
  if (!bytesEqual(attest.packageHash, expect.packageHash) || !bytesEqual(publish.packageHash, expect.packageHash)) return fail('proof attests another package');
  if (!bytesEqual(proof.attestation.tx.author, proof.publish.tx.author)) return fail('package was published by another hospital than the one that attested it');
  if (!(attest.consentTx instanceof Uint8Array) || !bytesEqual(attest.consentTx, txId(proof.consent.tx))) return fail('the attestation was made under another consent');
  if (!(attest.root instanceof Uint8Array) || attest.root.length !== 32 || !Number.isSafeInteger(attest.count) || attest.count < 1) return fail('the attestation commits to no records (no Merkle root)');
  if (publish.resourceCount !== attest.count) return fail('the publication counts another number of records than the attestation');
  const ev = decodeEvidence(publish.evidence);
  if (!bytesEqual(txId(ev.consent.tx), txId(proof.consent.tx)) || !bytesEqual(txId(ev.attestation.tx), txId(proof.attestation.tx))) return fail('published evidence names other statements');
  if (!bls.aggregateVerify(pks, msgs, proof.signature)) return fail('aggregate signature does not verify');
  const quorumOf = (c: ChainId) => `${signerCounts[c]} of ${setSizes[c]} ${c}-chain validators`;
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  return {
    ok: true,
    details: {
      patient: toHex(consent.patient),
      hospital: toHex(proof.attestation.tx.author),
      consent: { id: consent.consentId, purpose: consent.purpose, categories: consent.categories, sensitivity: consent.sensitivity ?? [], period: consent.period },
      attestation: { root: toHex(attest.root), count: attest.count },
      heights,
      signers: signerCounts,
      validators: setSizes,
      signatureBytes: proof.signature.length,
      checks: [
        { name: 'Blocks from the trusted chains', ok: true, detail: `patient #${heights.patient}, hospital #${heights.hospital}, social #${heights.social}: each header's genesis and validator set are the ones this node trusts, each certificate has a quorum` },
        { name: 'Statements included in their blocks', ok: true, detail: 'RFC 6962 audit paths of the consent, the attestation and the publication check against each block\'s transaction root' },
        { name: 'Consent fits this request', ok: true, detail: `${consent.consentId}, signed by the patient: ${consent.purpose} for this entity, categories ${consent.categories.join(', ')}, sensitivity codes ${(consent.sensitivity ?? []).join(', ') || 'none'}, published ${iso(publishedAt)} inside ${iso(consent.period.start)} to ${iso(consent.period.end)}` },
        { name: 'Hospital chain checked the records', ok: true, detail: `${quorumOf('hospital')} admitted the release of ${attest.count} records only after checking each one is anchored with those labels, is the consent's patient's, and fits the consent; the attestation commits to them with one Merkle root` },
        { name: 'Social chain checked the consent', ok: true, detail: `${quorumOf('social')} admitted the publication only with the consent unrevoked on their patient chain and unexpired at that block` },
        { name: 'One aggregate BLS signature over five statements', ok: true, detail: `${proof.signature.length} bytes, one multi-pairing: patient, hospital, and the three certificates` },
      ],
    },
  };
}
