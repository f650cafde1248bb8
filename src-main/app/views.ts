/**
 * Mapping node data onto the API contract's shapes (src-shared/api.ts). Pure functions of what
 * the chains and the local index say; no signing, no I/O beyond reads.
 */
import type { ApiOutput, AuditEntry, ChartResource, Consent, EntityRef, ShareAnswer, ShareRequest } from '../../src-shared/api';
import { toHex } from '../codec/hex';
import { quorum, bitmapIndices } from '../ledger/certificate';
import { blockHash } from '../ledger/encoding';
import { storedBlock } from '../ledger/light';
import { getMember, listMembers } from '../ledger/rules/members';
import type { ConsentState } from '../ledger/rules/patient';
import { answersOf, holdersOf, type ShareRequestState } from '../ledger/rules/social';
import type { StateReader } from '../ledger/rules/types';
import { packageIdOf } from '../emr/share/answers';
import type { ChainId, SignedTx } from '../ledger/types';
import type { TrichainNode } from '../node/node';
import { auditSentence, type AuditView } from '../emr/audit';
import { purposeLabel } from '../../src-shared/vocabulary';

export const iso = (t: number): string => new Date(t).toISOString();
export const day = (t: number): string => iso(t).slice(0, 10);

export function uiRole(node: TrichainNode): 'clinician' | 'patient' | 'entity' {
  return node.config.role === 'hospital' ? 'clinician' : node.config.role;
}

export function identityView(node: TrichainNode) {
  return {
    id: node.publicKeyHex.slice(0, 16),
    role: uiRole(node),
    displayName: node.config.name,
    organization: node.config.role === 'hospital' ? node.config.name : node.config.role === 'entity' ? node.config.name : undefined,
    publicKey: node.publicKeyHex,
  };
}

/** Entities registered on the social chain (from any node holding it). */
export function entityRefs(social: TrichainNode | undefined): EntityRef[] {
  if (!social || !social.ledger.hasGenesis('social')) return [];
  return listMembers(social.ledger.state('social'), 'entity').map((m) => ({
    id: toHex(m.blsPk),
    name: m.name,
    kind: (['insurer', 'research', 'public-health'].includes(m.kind ?? '') ? m.kind : 'other') as EntityRef['kind'],
  }));
}

export function entityRef(entities: EntityRef[], pk: Uint8Array | undefined, kind?: string): EntityRef {
  if (pk) return entities.find((e) => e.id === toHex(pk)) ?? { id: toHex(pk), name: `entity ${toHex(pk).slice(0, 8)}`, kind: 'other' };
  return { id: `kind:${kind}`, name: `any ${kind} organization`, kind: (['insurer', 'research', 'public-health'].includes(kind ?? '') ? kind : 'other') as EntityRef['kind'] };
}

export function consentView(c: ConsentState, entities: EntityRef[], now = Date.now()): Consent {
  const g = c.grantee as { entity?: Uint8Array; kind?: string };
  return {
    id: c.consentId,
    patientId: toHex(c.patient),
    entity: entityRef(entities, g.entity, g.kind),
    purpose: purposeLabel(c.purpose),
    categories: c.categories as Consent['categories'],
    includeSensitive: c.sensitivity as Consent['includeSensitive'],
    validFrom: day(c.period.start),
    validUntil: day(c.period.end),
    status: c.status === 'revoked' ? 'revoked' : now > c.period.end ? 'expired' : 'active',
    grantedAt: iso(c.grantedAt),
    revokedAt: c.revokedAt ? iso(c.revokedAt) : undefined,
    txId: toHex(c.grantTx),
  };
}

/** What a request view needs to show each hospital's answer (issue 11). */
export interface AnswerContext {
  social: StateReader;
  /** The viewing hospital's key, and its own answer as its node knows it (an approval being attested and published, a refusal not yet committed). */
  me?: Uint8Array;
  local?: { stage: string; reason?: string };
}

/**
 * Each hospital's part in a request: every hospital that answered, those the answers name as
 * holding the patient's records, and the viewing hospital itself; answered ones first.
 */
export function answerRows(r: ShareRequestState, ctx: AnswerContext): ShareAnswer[] {
  const answers = answersOf(ctx.social, r);
  const hospitals = new Map<string, Uint8Array>();
  for (const h of [...answers.map((a) => a.hospital), ...holdersOf(ctx.social, r.requestId), ...(ctx.me ? [ctx.me] : [])]) hospitals.set(toHex(h), h);
  return [...hospitals.values()].map((h): ShareAnswer => {
    const hospital = { id: toHex(h), name: getMember(ctx.social, h)?.name ?? `hospital ${toHex(h).slice(0, 8)}` };
    const you = ctx.me && toHex(ctx.me) === hospital.id ? { you: true } : {};
    const a = answers.find((x) => toHex(x.hospital) === hospital.id);
    if (a?.status === 'published') return { hospital, ...you, state: 'shared', resourceCount: a.resourceCount ?? 0, at: iso(a.time), packageId: packageIdOf(r.requestId, h) };
    if (a) return { hospital, ...you, state: 'refused', reason: a.reason ?? 'refused', at: iso(a.time) };
    if ('you' in you && ctx.local) {
      return ctx.local.stage === 'refused'
        ? { hospital, ...you, state: 'refused', reason: ctx.local.reason ?? 'refused' }
        : { hospital, ...you, state: 'approved', reason: 'approved: attesting the records, then publishing (pending until the blocks commit)' };
    }
    return { hospital, ...you, state: 'awaiting' };
  });
}

const STATUS_OF: Record<ShareAnswer['state'], ShareRequest['status']> = { shared: 'fulfilled', refused: 'refused', approved: 'approved', awaiting: 'pending' };

/**
 * A share request as the screens show it. With `ctx`, per hospital (`answers`), and `status` sums
 * them up: for a hospital, its own answer (pending: awaiting its answer, even where another
 * hospital has answered); for the entity, pending while a hospital has not answered, then
 * fulfilled when one shared, else refused.
 */
export function requestView(r: ShareRequestState, entities: EntityRef[], patientName?: string, ctx?: AnswerContext): ShareRequest {
  const base = {
    id: r.requestId,
    entity: entityRef(entities, r.entity),
    patientId: toHex(r.patient),
    patientName,
    purpose: purposeLabel(r.purpose),
    categories: r.categories as ShareRequest['categories'],
    period: { from: day(r.period.start), to: day(r.period.end) },
    filedAt: iso(r.filedAt),
    txId: toHex(r.requestTx),
  };
  if (!ctx) return { ...base, status: r.status === 'open' ? 'pending' : r.status === 'published' ? 'fulfilled' : 'refused' };
  const answers = answerRows(r, ctx);
  const mine = answers.find((a) => a.you);
  const status: ShareRequest['status'] = mine
    ? STATUS_OF[mine.state]
    : answers.length === 0 || answers.some((a) => a.state === 'awaiting') ? 'pending' : answers.some((a) => a.state === 'shared') ? 'fulfilled' : 'refused';
  const shared = (mine?.state === 'shared' ? mine : undefined) ?? (mine ? undefined : answers.find((a) => a.state === 'shared'));
  const said = mine ?? (status === 'refused' ? answers.find((a) => a.state === 'refused') : shared);
  const reason = !said || said.state === 'awaiting' ? undefined : said.state === 'shared' ? `${said.you ? 'you' : said.hospital.name} shared ${said.resourceCount} records, published with a cross-chain proof` : said.reason;
  return { ...base, status, answers, decision: reason ? { at: said?.at ?? iso(Date.now()), reason } : undefined, packageId: shared?.packageId };
}

const AUDIT_ACTION: Record<string, AuditEntry['action']> = {
  'consent.granted': 'consent.grant', 'consent.revoked': 'consent.revoke', 'share.published': 'share', 'share.refused': 'refused',
  'share.requested': 'request', 'share.accessed': 'read', 'record.accessed': 'read', 'chart.viewed': 'read',
  'record.shared-for-care': 'share', 'record.erased': 'amend', 'record.added': 'write', 'record.amended': 'amend', 'records.imported': 'import',
};

/** A member's role on the chains as the UI names people: a hospital's staff are clinicians. */
const ACTOR_ROLE: Record<string, AuditEntry['actor']['role']> = { hospital: 'clinician', clinician: 'clinician', patient: 'patient', entity: 'entity' };

/**
 * An audit entry as a person reads it: a sentence naming who did what ("St Mary Hospital viewed the
 * chart (224 records)"); `names` maps member keys (hex) to names, `consentWords` says a consent in
 * words, so that no key, id or internal name is shown.
 */
export function auditView(e: AuditView, patientId: string, index: number, names?: ReadonlyMap<string, string>, consentWords?: (consentId: string) => string | undefined): AuditEntry {
  const nameOf = (v: unknown): string => {
    const hex = v instanceof Uint8Array ? toHex(v) : typeof v === 'string' ? v : null;
    if (hex !== null && names?.has(hex)) return names.get(hex)!;
    return v instanceof Uint8Array ? 'an organization' : String(v);
  };
  return {
    id: `${e.chain}-${e.height}-${index}`,
    at: iso(e.time),
    actor: { id: toHex(e.actor).slice(0, 16), name: e.actorName, role: ACTOR_ROLE[e.actorRole ?? ''] ?? 'system' },
    action: AUDIT_ACTION[e.kind] ?? 'read',
    patientId,
    subject: auditSentence(e, nameOf, consentWords),
    ...(e.kept ? { detail: 'Kept at this hospital until the patient enrols, then written into their trail on the patient chain' } : { chain: e.chain as ChainId }),
  };
}

/** One-line description of a transaction for the block explorer (no contents: those are encrypted). */
export function txSummary(tx: SignedTx, node: TrichainNode): string {
  const b = tx.body as Record<string, unknown>;
  const who = getMember(node.ledger.state(tx.chain), tx.author)?.name ?? toHex(tx.author).slice(0, 12);
  switch (tx.type) {
    case 'record.anchor': return `${who} anchored ${b.resourceType} v${b.version} (${(b.labels as { category: string }).category})`;
    case 'record.link': return `${who} linked ${b.resourceType} to the patient's index`;
    case 'record.anchorBatch': return `${who} anchored ${(b.entries as unknown[]).length} records`;
    case 'record.linkBatch': return `${who} linked ${(b.entries as unknown[]).length} records to the patient's index`;
    case 'consent.grant': return `patient granted consent for ${b.purpose}`;
    case 'consent.revoke': return `patient revoked ${b.consentId}`;
    case 'share.request': return `${who} requested ${(b.categories as string[]).join(', ')} for ${b.purpose}`;
    case 'share.publish': return `${who} published a package of ${b.resourceCount} resources`;
    case 'share.refuse': return `${who} refused: ${b.reason}`;
    case 'member.register': return `${who} registered a ${b.role} "${b.name}"`;
    default: return `${who}: ${tx.type}`;
  }
}

/** When the block at `height` was made (from its header: a light chain holds headers only). */
export const headTime = (node: TrichainNode, chain: ChainId, height: number): string => iso(storedBlock(node.ledger, chain, height)!.header.time);

/** A block as this node holds it (a light chain's: header, certificate and the node's own transactions; txCount is the whole block's). */
export function blockSummary(node: TrichainNode, chain: ChainId, height: number) {
  const b = storedBlock(node.ledger, chain, height)!;
  const vs = node.ledger.validatorsAt(chain, height);
  return {
    chain, height, hash: toHex(blockHash(b.header)), prevHash: toHex(b.header.prevHash), time: iso(b.header.time),
    proposer: vs[b.header.proposer]?.name ?? String(b.header.proposer), txCount: b.size, signerCount: bitmapIndices(b.cert.signers, vs.length).length,
  };
}

export function blockDetail(node: TrichainNode, chain: ChainId, height: number): ApiOutput<'chains.block'>['block'] {
  const b = storedBlock(node.ledger, chain, height);
  if (!b) throw Object.assign(new Error(`no block ${height} on the ${chain} chain`), { code: 'NOT_FOUND' });
  const vs = node.ledger.validatorsAt(chain, height);
  const signers = bitmapIndices(b.cert.signers, vs.length);
  return {
    ...blockSummary(node, chain, height),
    txRoot: toHex(b.header.txRoot),
    txs: b.txs.map((tx) => ({ id: toHex(tx.sig).slice(0, 16), kind: tx.type, summary: txSummary(tx, node), bytes: JSON.stringify(tx.body, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)).length })),
    certificate: {
      aggregateSignature: toHex(b.cert.signature),
      bitmap: [...b.cert.signers].map((x) => x.toString(2).padStart(8, '0')).join(' '),
      bytes: b.cert.signature.length + b.cert.signers.length,
      quorum: quorum(vs.length),
      signers: signers.map((i) => ({ index: i, id: toHex(vs[i].blsPk).slice(0, 16), name: vs[i].name })),
    },
  };
}

export type { ChartResource };
