/**
 * Issue 13, finding 6, on the chains: an entity floods the social chain with share requests. The
 * validator (St Mary, which holds the patient chain) refuses requests naming keys that are no
 * patient's, takes at most MAX_OPEN_REQUESTS unanswered requests per entity, refuses oversized
 * transactions, and the other roles' transactions keep committing meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsortium, type Consortium } from './support/consortium';
import { createIdentity, deriveGranteeKey, type DerivedKey } from '../src-main/crypto/identity';
import { toHex } from '../src-main/codec/hex';
import { MAX_OPEN_REQUESTS, openRequestsOf, requestOf } from '../src-main/ledger/rules/social';
import { MAX_TX_BYTES } from '../src-main/ledger/rules/schemas';
import { TxRejected } from '../src-main/ledger/rules/types';
import type { SignedTx } from '../src-main/ledger/types';
import type { TrichainNode } from '../src-main/node/node';

const ALL_TIME = { start: 0, end: Date.now() + 365 * 24 * 3600 * 1000 };

describe('a flood of share requests', () => {
  let c: Consortium;
  /** A registered patient's key for the research institute (registered with consent.key). */
  let member: DerivedKey;

  beforeAll(async () => {
    c = await makeConsortium();
    const patient = createIdentity({ name: 'patient', role: 'patient' });
    c.stMary.submit('patient', 'member.register', { role: 'patient', name: 'patient', blsPk: patient.blsPublicKey, x25519Pk: patient.x25519PublicKey, pop: patient.proofOfPossession() });
    member = deriveGranteeKey(patient, `entity:${toHex(c.research.identity.blsPublicKey)}`);
    c.stMary.submitAs({ sk: patient.blsSecretKey, pk: patient.blsPublicKey }, 'patient', 'consent.key', { key: member.pk, pop: member.proofOfPossession() });
    await c.sync();
  }, 120_000);
  afterAll(() => c?.close());

  /** The entity signs a request; its own node (no patient chain) cannot judge the patient key. */
  const request = (entity: TrichainNode, patient: Uint8Array, extra: Record<string, string> = {}): SignedTx =>
    entity.sign('social', 'share.request', { requestId: `req-${randomBytes(12).toString('hex')}`, patient, purpose: 'HRESCH', categories: ['condition'], period: ALL_TIME, ...extra });
  /** What the validator's peer server does with a relayed transaction: check it and queue it, or say why not. */
  const relay = (tx: SignedTx): string | null => {
    try {
      c.stMary.submitSigned(tx, { defer: true });
      return null;
    } catch (e) {
      if (e instanceof TxRejected) return e.reason;
      throw e;
    }
  };
  const idOf = (tx: SignedTx) => (tx.body as { requestId: string }).requestId;
  const onChain = (tx: SignedTx) => requestOf(c.stMary.ledger.state('social'), idOf(tx));

  it('requests for 300 random non-member keys are all refused, and nothing reaches the chain', () => {
    const social = c.stMary.ledger.height('social');
    const floods = Array.from({ length: 300 }, () => request(c.research, createIdentity({ name: 'x', role: 'patient' }).blsPublicKey));
    const reasons = floods.map(relay);
    expect(reasons.every((r) => r !== null && /not a member of the patient chain/.test(r))).toBe(true);
    expect(c.stMary.mempool('social')).toHaveLength(0);
    c.stMary.commitPending('social');
    expect(c.stMary.ledger.height('social')).toBe(social);
    expect(floods.some(onChain)).toBe(false);
    // the patient's main key is not what a request names either
    const main = c.stMary.ledger.state('patient').scan('member/').map(([, v]) => v as { role: string; blsPk: Uint8Array }).find((m) => m.role === 'patient')!;
    expect(relay(request(c.research, main.blsPk))).toMatch(/not a member of the patient chain/);
  });

  it('member requests beyond the per-entity limit are refused; the insurer and the hospital keep committing', async () => {
    const burst = Array.from({ length: MAX_OPEN_REQUESTS + 8 }, () => request(c.research, member.pk));
    // admission sees the committed count only, so the whole burst reaches the mempool...
    expect(burst.map(relay).every((r) => r === null)).toBe(true);
    // ...meanwhile the insurer files its own request and the hospital registers a patient
    const insurers = request(c.insurer, member.pk);
    expect(relay(insurers)).toBeNull();
    const newcomer = createIdentity({ name: 'newcomer', role: 'patient' });
    c.stMary.submit('patient', 'member.register', { role: 'patient', name: 'newcomer', blsPk: newcomer.blsPublicKey, x25519Pk: newcomer.x25519PublicKey, pop: newcomer.proofOfPossession() });
    // ...and the block takes the first MAX_OPEN_REQUESTS, in order, and drops the rest
    c.stMary.commitPending('social');
    expect(burst.slice(0, MAX_OPEN_REQUESTS).every((tx) => onChain(tx)?.status === 'open')).toBe(true);
    expect(burst.slice(MAX_OPEN_REQUESTS).some(onChain)).toBe(false);
    expect(openRequestsOf(c.stMary.ledger.state('social'), c.research.identity.blsPublicKey)).toBe(MAX_OPEN_REQUESTS);
    expect(onChain(insurers)?.status).toBe('open');
    expect(c.stMary.ledger.state('patient').get(`member/${toHex(newcomer.blsPublicKey)}`)).toBeTruthy();
    // a further request is refused at once, with the reason
    expect(relay(request(c.research, member.pk))).toMatch(new RegExp(`already has ${MAX_OPEN_REQUESTS} unanswered requests`));
    // once a hospital answers one, the entity may file one more
    c.stMary.submit('social', 'share.refuse', { requestId: idOf(burst[0]), reason: 'no consent' });
    expect(openRequestsOf(c.stMary.ledger.state('social'), c.research.identity.blsPublicKey)).toBe(MAX_OPEN_REQUESTS - 1);
    const next = request(c.research, member.pk);
    expect(relay(next)).toBeNull();
    c.stMary.commitPending('social');
    expect(onChain(next)?.status).toBe('open');
    // every replica agrees: the entity's own social chain shows the same count
    await c.sync();
    expect(openRequestsOf(c.research.ledger.state('social'), c.research.identity.blsPublicKey)).toBe(MAX_OPEN_REQUESTS);
  });

  it('oversized fields and transactions are refused with the reason and change nothing', () => {
    const height = c.stMary.ledger.height('social');
    expect(relay(request(c.insurer, member.pk, { note: 'x'.repeat(1001) }))).toMatch(/note/);
    const categories = Array.from({ length: 10_000 }, () => 'condition');
    expect(relay(c.insurer.sign('social', 'share.request', { requestId: 'req-many', patient: member.pk, purpose: 'HRESCH', categories, period: ALL_TIME }))).toMatch(/categories/);
    expect(relay(request(c.insurer, member.pk, { note: 'x'.repeat(MAX_TX_BYTES) }))).toMatch(new RegExp(`exceeds the ${MAX_TX_BYTES}-byte limit`));
    expect(relay(c.insurer.sign('social', 'share.refuse', { requestId: 'r', reason: 'y'.repeat(5000) }))).toMatch(/reason/);
    expect(c.stMary.mempool('social')).toHaveLength(0);
    c.stMary.commitPending('social');
    expect(c.stMary.ledger.height('social')).toBe(height);
  });
});
