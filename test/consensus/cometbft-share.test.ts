/**
 * Issue 12, "the cross-chain proof of a share verifies with certificates made this way": the three
 * chains a share's proof rests on (the patient chain carrying the consent, the hospital chain
 * carrying the attestation, the social chain carrying the publication) run on CometBFT, each
 * validated by two hospitals whose nodes run the composition root with `cometbft` (CometEngines:
 * one supervised `cometbft` per chain per hospital, six processes). A real share is made
 * (enrolment, a record, consent on the patient's laptop, request by the research institute,
 * approval, attestation and publication driven by committed blocks); the institute receives the
 * social chain's certified blocks (verified in one batch), opens the package and verifies its
 * cross-chain proof, whose three certificates are BLS signatures of decided blocks carried in vote
 * extensions (round DECIDED_ROUND). A tampered certificate fails.
 *
 * Two validators per chain (quorum 2 of 2) keep it to six CometBFT processes on a 2-core machine;
 * four validators of one chain, a crash and a faulty extension are in cometbft.test.ts.
 * Needs the CometBFT binary (`npm run cometbft`, run by .ci/run); skipped with the reason otherwise.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../src-main/codec/hex';
import { cometbftBinary, MISSING_COMETBFT } from '../../src-main/consensus/cometbft/process';
import { classifyResource } from '../../src-main/emr/classify/index';
import { grantConsent } from '../../src-main/emr/consent';
import { enrolPatient, makeEnrolmentRequest } from '../../src-main/emr/enrol';
import { storeRecord, toLabelsBody } from '../../src-main/emr/records';
import { fileShareRequest, openPackage, trustOf } from '../../src-main/emr/share/entity';
import { processShareRequest } from '../../src-main/emr/share/provider';
import { finalizeProof, verifyCrossChainProof, type CrossChainProof } from '../../src-main/emr/share/proof';
import { driveShares } from '../../src-main/emr/share/workflow';
import { DECIDED_ROUND, makeBitmap } from '../../src-main/ledger/certificate';
import { recordHead } from '../../src-main/ledger/rules/hospital';
import { getMember } from '../../src-main/ledger/rules/members';
import { requestOf } from '../../src-main/ledger/rules/social';
import type { TrichainNode } from '../../src-main/node/node';
import { makeCometConsortium, type CometConsortium } from '../support/comet-consortium';

const BIN = cometbftBinary();
if (!BIN) console.warn(`[cometbft-share.test] skipped: ${MISSING_COMETBFT}`);

const ALL_TIME = { start: 0, end: Date.now() + 365 * 24 * 3600 * 1000 };
const CATEGORIES = ['observation', 'vital-signs', 'lab', 'demographics'] as const;

describe.skipIf(!BIN)('a share whose three chains run on CometBFT', () => {
  let c: CometConsortium;
  let laptop: TrichainNode;
  let research: TrichainNode;
  let requestId = '';
  let patientKey: Uint8Array;
  const logs: string[] = [];

  beforeAll(async () => {
    c = await makeCometConsortium(BIN!, 2, (l) => logs.push(l));
    driveShares(c.runtimes[0]);
    laptop = await c.member('patient', 'Comet Patient');
    research = await c.member('entity', 'Institute for Outcomes Research', 'research');
    expect(c.runtimes.map((r) => r.comet?.chains().sort())).toEqual([['hospital', 'patient', 'social'], ['hospital', 'patient', 'social']]);
  }, 90_000);

  afterAll(async () => {
    await c?.close();
  });

  it('consent, request, approval: the package is published and its proof verifies with vote-extension certificates', async () => {
    const [h0] = c.hospitals;
    h0.submit('social', 'member.register', { role: 'entity', kind: 'research', name: research.config.name, blsPk: research.identity.blsPublicKey, x25519Pk: research.identity.x25519PublicKey, pop: research.identity.proofOfPossession() });
    const registered = () => !!getMember(h0.ledger.state('patient'), laptop.identity.blsPublicKey);
    await enrolPatient(h0, { fhirId: 'comet-patient', display: 'Comet Patient', request: makeEnrolmentRequest(laptop.identity), waitForCommit: () => c.until('the patient registered', registered) });
    const obs = { resourceType: 'Observation', id: 'comet-hr-1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' }, subject: { reference: 'Patient/comet-patient' }, effectiveDateTime: '2024-03-01', valueQuantity: { value: 64, unit: '/min' } };
    const stored = storeRecord(h0, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: { pk: laptop.identity.blsPublicKey, x25519: laptop.identity.x25519PublicKey } });
    await c.until('the record anchored and the entity registered', () => !!recordHead(h0.ledger.state('hospital'), stored.recordId) && !!getMember(h0.ledger.state('social'), research.identity.blsPublicKey));

    // the laptop (a light client) holds its registration once its block is certified
    await c.until('the laptop holds its registration', () => !!getMember(laptop.ledger.state('patient'), laptop.identity.blsPublicKey));
    const granted = grantConsent(laptop, { grantee: { entity: research.identity.blsPublicKey }, purpose: 'HRESCH', categories: [...CATEGORIES], period: ALL_TIME });
    patientKey = fromHex(granted.key, 48);
    await c.until('the consent committed', () => laptop.outbox().every((e) => e.status === 'committed'));
    requestId = fileShareRequest(research, { patient: patientKey, purpose: 'HRESCH', categories: [...CATEGORIES], period: ALL_TIME }).requestId;
    await c.until('the request on the social chain', () => requestOf(h0.ledger.state('social'), requestId)?.status === 'open');

    expect(processShareRequest(h0, requestId)).toMatchObject({ status: 'attesting' });
    // The runtime's block step attests once the release commits, publishes once the attestation's block is certified.
    await c.until('published, and certified where the institute can see it', () => requestOf(research.ledger.state('social'), requestId)?.status === 'published', undefined, 120_000);
    const pkg = requestOf(h0.ledger.state('social'), requestId)!.packageHash!;
    research.blobs.put(h0.blobs.get(pkg)!);

    const opened = openPackage(research, requestId, { acknowledge: false });
    expect(opened.check.ok).toBe(true);
    expect(opened.bundle.entry?.some((e) => e.resource.resourceType === 'Observation')).toBe(true);
    const proof = opened.proof;
    expect(proof.signature.length).toBe(96);
    // All three certificates are made of BLS signatures of decided blocks from vote extensions.
    for (const part of ['consent', 'attestation', 'publish'] as const) {
      expect(proof[part].round).toBe(DECIDED_ROUND);
      const chain = proof[part].header.chain;
      const block = h0.ledger.block(chain, proof[part].header.height)!;
      expect(block.cert.round).toBe(DECIDED_ROUND);
    }
    if (opened.check.ok) expect(opened.check.details.signers).toEqual({ patient: 2, hospital: 2, social: 2 });
  }, 240_000);

  it('each chain\'s cometbft is supervised: a crashed one is restarted and the chain goes on; logs are kept; all stop with the node', async () => {
    const v = c.runtimes[1].comet!.validators.get('hospital')!;
    const before = v.process.pid!;
    const height = c.hospitals[0].ledger.height('hospital');
    v.process.crash();
    await c.until('restarted', () => v.process.running && v.process.pid !== before, [], 30_000);
    // two validators, quorum 2: the hospital chain commits again only with the restarted one
    await c.until('the hospital chain goes on', () => c.hospitals.every((h) => h.ledger.certifiedHeight('hospital') > height + 2), [], 60_000);
    expect(logs.some((l) => /exited \(SIGKILL\); restarting/.test(l))).toBe(true);
    for (const h of c.hospitals) for (const chain of ['patient', 'hospital', 'social']) expect(statSync(join(h.paths.dir, 'cometbft', chain, 'cometbft.log')).size).toBeGreaterThan(0);
    const pids = c.runtimes.flatMap((r) => [...r.comet!.validators.values()].map((x) => x.process.pid!));
    expect(pids).toHaveLength(6);
    await Promise.all(c.runtimes.map((r) => r.stop()));
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 120_000);

  it('a tampered certificate makes the proof fail', () => {
    const r = requestOf(research.ledger.state('social'), requestId)!;
    const good = finalizeProof(research.ledger, r.publishTx!);
    const expectation = { requestId, packageHash: r.packageHash!, entity: research.identity.blsPublicKey, entityKind: 'research', patient: patientKey };
    const verify = (p: CrossChainProof) => verifyCrossChainProof(research.bls, p, trustOf(research), expectation);
    expect(verify(good).ok).toBe(true);
    const tampered: [string, (p: CrossChainProof) => void][] = [
      ['the consent certificate as an embedded-engine round', (p) => (p.consent.round = 0)],
      ['the attestation certificate with one signer fewer', (p) => (p.attestation.signers = makeBitmap(2, [0]))],
      ['the publication certificate naming another round', (p) => (p.publish.round = DECIDED_ROUND - 1)],
      ['the aggregate signature', (p) => (p.signature[20] ^= 1)],
    ];
    for (const [what, mutate] of tampered) {
      const p = structuredClone(good);
      mutate(p);
      expect(verify(p).ok, `tampering with ${what} must fail`).toBe(false);
    }
  });
});
