/**
 * A request spanning hospitals (issue 11): each hospital holding records of the patient answers for
 * itself, once; the entity receives and verifies one package per hospital; the views say, per
 * hospital, what it shared or that it has not answered. And what stays as strict as before: only a
 * hospital answers, with evidence attested by itself; the first answer writes the request's state
 * exactly as before answers were per hospital (old blocks keep their state roots).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsortium, type Consortium } from './support/consortium';
import { requestAtTwoHospitals } from './support/requests';
import { toHex } from '../src-main/codec/hex';
import { answerOf, answersOf, holdersOf, openRequestsOf, requestOf } from '../src-main/ledger/rules/social';
import { attestationOf, releaseOf } from '../src-main/ledger/rules/release';
import { TxRejected } from '../src-main/ledger/rules/types';
import { fileShareRequest, openPackage, packageFileOf, verifyPackageAs } from '../src-main/emr/share/entity';
import { findPackage, packageIdOf, packagesOf } from '../src-main/emr/share/answers';
import { continueShares, processShareRequest, ShareError } from '../src-main/emr/share/provider';
import { requestView } from '../src-main/app/views';
import type { TrichainNode } from '../src-main/node/node';

// No demographics: the small bundle's made-up names are words a package may contain.
const CATEGORIES = ['observation', 'vital-signs', 'lab', 'condition'] as const;

describe('a request spanning hospitals: each hospital answers for itself', () => {
  let c: Consortium;
  beforeAll(async () => {
    c = await makeConsortium();
  }, 120_000);
  afterAll(() => c?.close());

  /** A patient with records at St Mary (a small bundle) and at Riverside (one observation), a research consent and the institute's request. */
  const openRequest = (fhirId: string): Promise<string> => requestAtTwoHospitals(c, fhirId, { observations: 2, categories: CATEGORIES });

  /** A member hospital's share advances as its blocks come back (what its runtime's workflow step does): release, attest, publish. */
  async function advance(node: TrichainNode): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await c.sync();
      continueShares(node);
    }
    await c.sync();
  }

  const social = (n: TrichainNode = c.research) => n.ledger.state('social');
  const req = (id: string, n?: TrichainNode) => requestOf(social(n), id)!;
  const rejected = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof TxRejected) return e.reason;
      throw e;
    }
    throw new Error('the transaction was accepted');
  };

  let both = '';

  it('St Mary shares; the entity sees St Mary shared and Riverside (a holder) not answered; Riverside sees it awaiting its own answer', async () => {
    both = await openRequest('qzxa');
    const openBefore = openRequestsOf(social(c.stMary), c.research.identity.blsPublicKey);
    expect(processShareRequest(c.stMary, both)).toMatchObject({ status: 'published', resources: 2 });
    await c.sync();
    // The first answer is the request's own state, as before answers were per hospital: no answer key of its own.
    const r = req(both);
    expect(r.status).toBe('published');
    expect(social().scan(`answer/${both}@`)).toEqual([]);
    expect(openRequestsOf(social(c.stMary), c.research.identity.blsPublicKey)).toBe(openBefore - 1);
    expect(answersOf(social(), r)).toMatchObject([{ hospital: c.stMary.identity.blsPublicKey, status: 'published', resourceCount: 2 }]);
    expect(holdersOf(social(), both).map(toHex).sort()).toEqual([c.stMary.publicKeyHex, c.riverside.publicKeyHex].sort());

    const forEntity = requestView(r, [], 'Patient (pseudonymous)', { social: social() });
    expect(forEntity.status).toBe('pending');
    expect(forEntity.answers?.map((a) => [a.hospital.name, a.state, a.resourceCount])).toEqual([['St Mary Hospital', 'shared', 2], ['Riverside Clinic', 'awaiting', undefined]]);
    const forRiverside = requestView(req(both, c.riverside), [], undefined, { social: social(c.riverside), me: c.riverside.identity.blsPublicKey });
    expect(forRiverside.status).toBe('pending');
    expect(forRiverside.answers?.find((a) => a.you)).toMatchObject({ hospital: { name: 'Riverside Clinic' }, state: 'awaiting' });
    const forStMary = requestView(req(both, c.stMary), [], undefined, { social: social(c.stMary), me: c.stMary.identity.blsPublicKey });
    expect(forStMary.status).toBe('fulfilled');
  }, 120_000);

  it('a second answer by the same hospital is refused, by the node and by the chain', () => {
    expect(() => processShareRequest(c.stMary, both)).toThrow(ShareError);
    expect(rejected(() => c.stMary.submit('social', 'share.refuse', { requestId: both, reason: 'changed my mind' }))).toMatch(/this hospital has already published its package for request/);
  });

  it('only a hospital answers: an entity cannot refuse a request in a hospital\'s name', () => {
    expect(rejected(() => c.insurer.submit('social', 'share.refuse', { requestId: both, reason: 'no' }))).toMatch(/a entity may not do this/);
  });

  it("evidence attested by another hospital is refused: Riverside cannot publish St Mary's package as its own", () => {
    const loc = c.riverside.ledger.txLocation('social', answerOf(social(c.riverside), req(both, c.riverside), c.stMary.identity.blsPublicKey)!.publishTx!)!;
    const stMarys = c.riverside.ledger.block('social', loc.height)!.txs[loc.index].body as never;
    expect(rejected(() => c.riverside.submit('social', 'share.publish', stMarys))).toMatch(/attested by another hospital/);
    // and holders must be hospitals of the chain
    expect(rejected(() => c.riverside.submit('social', 'share.refuse', { requestId: both, reason: 'no', holders: [c.insurer.identity.blsPublicKey] }))).toMatch(/not a hospital/);
  });

  it("Riverside's own answer is accepted after St Mary's: released, attested and published under its own keys; the entity verifies two packages of one request", async () => {
    expect(processShareRequest(c.riverside, both)).toMatchObject({ status: 'attesting', resources: 1 });
    await advance(c.riverside);
    const hospital = c.stMary.ledger.state('hospital');
    expect(releaseOf(hospital, both)!.author).toEqual(c.stMary.identity.blsPublicKey);
    expect(releaseOf(hospital, both, c.riverside.identity.blsPublicKey)).toMatchObject({ author: c.riverside.identity.blsPublicKey, count: 1 });
    expect(hospital.get(`release/${both}@${c.riverside.publicKeyHex}`)).toBeTruthy();
    expect(attestationOf(hospital, both, c.riverside.identity.blsPublicKey)).toBeInstanceOf(Uint8Array);

    const r = req(both);
    expect(r.status).toBe('published'); // the first answer's
    expect(answersOf(social(), r).map((a) => [toHex(a.hospital), a.status, a.resourceCount])).toEqual([
      [c.stMary.publicKeyHex, 'published', 2],
      [c.riverside.publicKeyHex, 'published', 1],
    ]);
    const ids = packagesOf(social(), r).map((p) => p.id);
    expect(ids).toEqual([packageIdOf(both, c.stMary.identity.blsPublicKey), packageIdOf(both, c.riverside.identity.blsPublicKey)]);
    // A bare request id names the first package, as package ids did before.
    expect(findPackage(social(), both).id).toBe(ids[0]);
    const opened = ids.map((id) => openPackage(c.research, id));
    expect(opened.map((o) => o.bundle.entry?.length)).toEqual([2, 1]);
    expect(opened.map((o) => toHex(o.proof.attestation.tx.author))).toEqual([c.stMary.publicKeyHex, c.riverside.publicKeyHex]);
    for (const id of ids) expect(verifyPackageAs(c.research, packageFileOf(c.research, id)).ok).toBe(true);
    // One package's proof with the other's ciphertext fails.
    const swapped = { ...packageFileOf(c.research, ids[1]), ciphertext: packageFileOf(c.research, ids[0]).ciphertext };
    expect(verifyPackageAs(c.research, swapped)).toMatchObject({ ok: false, failed: "request on this entity's social chain" });
    await c.sync();
    // The entity acknowledged each package, naming its hospital.
    const accessed = social().scan(`audit/${toHex(r.patient)}/`).map(([, v]) => v as { kind: string; detail: { hospital?: Uint8Array } }).filter((e) => e.kind === 'share.accessed');
    expect(accessed.map((e) => e.detail.hospital && toHex(e.detail.hospital)).sort()).toEqual([c.stMary.publicKeyHex, c.riverside.publicKeyHex].sort());

    const view = requestView(r, [], undefined, { social: social() });
    expect(view.status).toBe('fulfilled');
    expect(view.answers?.map((a) => [a.hospital.name, a.state])).toEqual([['St Mary Hospital', 'shared'], ['Riverside Clinic', 'shared']]);
    expect(rejected(() => c.riverside.submit('social', 'share.refuse', { requestId: both, reason: 'again' }))).toMatch(/already published/);
  }, 120_000);

  it('a request the consent does not cover is refused without naming the holders: the entity learns nothing of where else the patient is treated', async () => {
    // The same patient key, but a purpose the research consent does not grant (payment, not research).
    const { requestId } = fileShareRequest(c.research, { patient: req(both).patient, purpose: 'HPAYMT', categories: [...CATEGORIES], period: { start: 0, end: Date.now() + 86_400_000 } });
    await c.sync();
    const outcome = processShareRequest(c.stMary, requestId);
    expect(outcome).toMatchObject({ status: 'refused' });
    await c.sync();
    expect(req(requestId)).toMatchObject({ status: 'refused' });
    expect(req(requestId).reason).toMatch(/consent/i);
    // Compare the covered request above, where both holders were named.
    expect(holdersOf(social(), both)).toHaveLength(2);
    expect(holdersOf(social(), requestId)).toEqual([]);
    expect(social().get(`holders/${requestId}`)).toBeUndefined();
    const view = requestView(req(requestId), [], 'Patient (pseudonymous)', { social: social() });
    expect(view.answers?.map((a) => [a.hospital.name, a.state])).toEqual([['St Mary Hospital', 'refused']]);
  }, 120_000);

  it('a refusal by one hospital leaves the others free to answer; the request stops counting as open at the first answer', async () => {
    const id = await openRequest('qzxb');
    const before = openRequestsOf(social(c.stMary), c.research.identity.blsPublicKey);
    c.stMary.submit('social', 'share.refuse', { requestId: id, reason: 'St Mary cannot answer this week' });
    await c.sync();
    expect(openRequestsOf(social(c.stMary), c.research.identity.blsPublicKey)).toBe(before - 1);
    expect(req(id)).toMatchObject({ status: 'refused', reason: 'St Mary cannot answer this week' });
    // An answer without holders (every answer in blocks made before answers were per hospital) writes
    // exactly what it wrote then: the request's status and reason, nothing else.
    expect(Object.keys(req(id)).sort()).toEqual(['categories', 'entity', 'filedAt', 'patient', 'period', 'purpose', 'reason', 'requestId', 'requestTx', 'status']);
    expect(social().get(`holders/${id}`)).toBeUndefined();
    expect(social().scan(`answer/${id}@`)).toEqual([]);
    expect(processShareRequest(c.riverside, id)).toMatchObject({ status: 'attesting' });
    await advance(c.riverside);
    expect(openRequestsOf(social(c.stMary), c.research.identity.blsPublicKey)).toBe(before - 1);
    const view = requestView(req(id), [], undefined, { social: social() });
    expect(view.answers?.map((a) => [a.hospital.name, a.state, a.reason ?? a.resourceCount])).toEqual([['St Mary Hospital', 'refused', 'St Mary cannot answer this week'], ['Riverside Clinic', 'shared', 1]]);
    expect(view.status).toBe('fulfilled');
    expect(openPackage(c.research, packageIdOf(id, c.riverside.identity.blsPublicKey)).bundle.entry?.length).toBe(1);
    expect(() => findPackage(social(), packageIdOf(id, c.stMary.identity.blsPublicKey))).toThrow(/no published package/);
  }, 120_000);
});
