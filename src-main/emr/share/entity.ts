/**
 * The external sharing algorithm, entity side: file a request on the social chain; when the
 * package is published, verify its cross-chain proof, decrypt it, and export it as a FHIR Bundle
 * or CSV. Acknowledging receipt is itself a transaction (share.access) the patient can see.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../../codec/hex';
import { requestOf, type ShareRequestState } from '../../ledger/rules/social';
import type { ChainId } from '../../ledger/types';
import type { TrichainNode } from '../../node/node';
import { packageToCsv } from '../deid/index';
import type { Category } from '../labels';
import { openBlob, packageAad, unwrapWith } from '../record-crypto';
import { finalizeProof, verifyCrossChainProof, type CrossChainProof, type ProofCheck } from './proof';

export interface RequestInput {
  patient: Uint8Array;
  purpose: ShareRequestState['purpose'];
  categories: Category[];
  period: { start: number; end: number };
  note?: string;
}

export function fileShareRequest(node: TrichainNode, r: RequestInput): { requestId: string; status: 'committed' | 'pending' } {
  if (node.config.role !== 'entity') throw new Error('only an outside entity files share requests');
  const requestId = `req-${toHex(randomBytes(12))}`;
  const res = node.submit('social', 'share.request', { requestId, patient: r.patient, purpose: r.purpose, categories: r.categories, period: r.period, ...(r.note ? { note: r.note } : {}) });
  return { requestId, status: res.status };
}

/** This entity's requests with their status (open, published, refused and the reason). */
export function myRequests(node: TrichainNode): ShareRequestState[] {
  const me = node.publicKeyHex;
  return node.ledger
    .state('social')
    .scan('request/')
    .map(([, v]) => v as unknown as ShareRequestState)
    .filter((r) => toHex(r.entity) === me);
}

export interface OpenedPackage {
  proof: CrossChainProof;
  check: ProofCheck;
  bundle: { resourceType: 'Bundle'; entry?: { resource: Record<string, unknown> }[] };
  csv: string;
}

/** The trust anchors an entity verifies against: its own social chain and the genesis documents it trusts. */
export function trustOf(node: TrichainNode) {
  return {
    genesis: (c: ChainId) => node.ledger.knownGenesis(c),
    validatorsAt: (c: ChainId, h: number) => (node.ledger.hasGenesis(c) ? node.ledger.validatorsAt(c, h) : node.ledger.knownGenesis(c)!.validators),
  };
}

/** Verifies the proof first; decrypts only a package whose proof holds. */
export function openPackage(node: TrichainNode, requestId: string, opts: { acknowledge?: boolean } = {}): OpenedPackage {
  const req = requestOf(node.ledger.state('social'), requestId);
  if (!req) throw new Error(`request ${requestId} is not on the social chain`);
  if (req.status !== 'published' || !req.publishTx || !req.packageHash) throw new Error(`request ${requestId} has no package (status: ${req.status}${req.reason ? `: ${req.reason}` : ''})`);
  const proof = finalizeProof(node.ledger, req.publishTx);
  const entityKind = (node.ledger.state('social').get(`member/${node.publicKeyHex}`) as { kind?: string } | undefined)?.kind;
  const check = verifyCrossChainProof(node.bls, proof, trustOf(node), { requestId, packageHash: req.packageHash, entity: node.identity.blsPublicKey, entityKind, purpose: req.purpose, patient: req.patient });
  if (!check.ok) throw new Error(`package proof failed: ${check.reason}`);
  const blob = node.blobs.get(req.packageHash);
  if (!blob) throw new Error('the package has not reached this node yet');
  const body = proof.publish.tx.body as { key: unknown };
  const aad = packageAad(requestId);
  const bundle = JSON.parse(new TextDecoder().decode(openBlob(blob, unwrapWith(node.identity.x25519SecretKey, body.key, aad), aad))) as OpenedPackage['bundle'];
  const csv = packageToCsv((bundle.entry ?? []).map((e) => e.resource) as never);
  if (opts.acknowledge !== false && !acknowledgedIds(node).has(requestId)) node.submit('social', 'share.access', { requestId });
  return { proof, check, bundle, csv };
}

/** Request ids this entity has already acknowledged on the social chain. */
function acknowledgedIds(node: TrichainNode): Set<string> {
  const ids = new Set<string>();
  const rows = node.db.prepare("SELECT height, idx FROM txs WHERE chain = 'social' AND type = 'share.access' AND author = ?").all(node.identity.blsPublicKey) as { height: number; idx: number }[];
  for (const r of rows) ids.add((node.ledger.block('social', r.height)!.txs[r.idx].body as { requestId: string }).requestId);
  return ids;
}
