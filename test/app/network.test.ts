import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TrichainEvent } from '../../src-shared/api';
import { tempDir } from '../support/ledger';
import { toHex } from '../../src-main/codec/hex';
import { classifyResource } from '../../src-main/emr/classify/index';
import { registerPatient } from '../../src-main/emr/patients';
import { storeRecord, toLabelsBody, type FhirResource } from '../../src-main/emr/records';
import { getMember } from '../../src-main/ledger/rules/members';
import { INVITE_MAX_AGE_MS, inviteFromNodeValues, inviteInputs } from '../../src-main/node/join';
import { TrichainNode } from '../../src-main/node/node';
import { PeerList } from '../../src-main/net/peers';
import { admitByLine, inviteView, joinByInvite, networkView } from '../../src-main/app/network';
import { OwnNode } from '../../src-main/app/own-node';
import { chartOfClinician } from '../../src-main/app/charts';

const fast = { N: 2 ** 10 };
const PASS = 'network-test-pass';
const env = { TRICHAIN_SYNC_INTERVAL_MS: '100' };
const open: { nodes: TrichainNode[]; owns: OwnNode[] } = { nodes: [], owns: [] };

afterEach(async () => {
  for (const o of open.owns.splice(0)) await o.stop();
  for (const n of open.nodes.splice(0)) n.close();
});

async function node(name: string, found: boolean, role: 'hospital' | 'patient' | 'entity' = 'hospital') {
  const n = await TrichainNode.init(tempDir('net-app-'), { role, name, passphrase: PASS, found, network: found ? 'Valley Health' : undefined, scrypt: fast });
  open.nodes.push(n);
  return n;
}
async function run(n: TrichainNode, events: TrichainEvent[] = []) {
  const o = await OwnNode.start(n, { emit: (e) => events.push(e), env });
  open.owns.push(o);
  return o;
}
const anchorsOf = (n: TrichainNode, recordId: string) => {
  let count = 0;
  for (let h = 1; h <= n.ledger.height('hospital'); h++) for (const tx of n.ledger.block('hospital', h)!.txs) if (tx.type === 'record.anchor' && (tx.body as { recordId: string }).recordId === recordId) count++;
  return count;
};
const until = (what: () => boolean, timeout = 20_000) => vi.waitFor(() => expect(what()).toBe(true), { timeout, interval: 50 });

describe('the app\'s own node: found, invite, join, admit, offline queue', () => {
  it('a workstation joins by invite, is admitted, syncs, queues while its peer is down, and commits once when it returns', async () => {
    const a = await node('St Mary Hospital', true);
    let ownA = await run(a);
    const inv = await inviteView(a, ownA);
    expect(inv).toMatchObject({ network: 'Valley Health', address: ownA.runtime.listen });
    expect(inv.qrSvg).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(inv.qrSvg.split(',')[1], 'base64').toString()).toMatch(/^<svg/);

    const b = await node('Ward 3 workstation', false);
    // bad input changes nothing
    const mangled = inv.invite.slice(0, 50) + (inv.invite[50] === 'A' ? 'B' : 'A') + inv.invite.slice(51);
    await expect(joinByInvite(b, mangled)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /invite refused: .*(checksum|base64url)/ });
    const expired = inviteFromNodeValues(await inviteInputs(a, a.paths.dir), ownA.runtime.listen!, Date.now() - INVITE_MAX_AGE_MS - 1000);
    await expect(joinByInvite(b, expired)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /expired on .* ask St Mary Hospital for a new one/ });
    expect(existsSync(join(b.paths.dir, 'peers.json'))).toBe(false);
    expect(existsSync(join(b.paths.dir, 'join.json'))).toBe(false);
    // the founding hospital cannot join (its own or another network)
    await expect(joinByInvite(a, inv.invite)).rejects.toMatchObject({ code: 'CONFLICT', message: /already belongs to the network "Valley Health"/ });

    const joined = await joinByInvite(b, inv.invite);
    expect(joined).toMatchObject({ networkId: 'Valley Health', chains: ['patient', 'hospital', 'social'], inviter: { name: 'St Mary Hospital', role: 'hospital' } });
    expect(joined.peerLine).toMatch(/^trichain-peer:/);
    await expect(joinByInvite(b, inv.invite)).rejects.toMatchObject({ code: 'CONFLICT', message: /already joined the network "Valley Health"/ });
    const bEvents: TrichainEvent[] = [];
    const ownB = await run(b, bEvents);

    // A admits B's line: a mangled one is refused, nothing pinned
    const peersBefore = PeerList.load(a.paths.dir).list().length;
    expect(() => admitByLine(a, joined.peerLine.slice(0, -4) + 'AAAA')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(PeerList.load(a.paths.dir).list()).toHaveLength(peersBefore);
    const admitted = admitByLine(a, joined.peerLine);
    expect(admitted.registered.map((r) => r.status)).toEqual(['committed', 'committed', 'committed']);
    await until(() => b.chains().length === 3 && b.ledger.height('hospital') === a.ledger.height('hospital'));
    expect(getMember(b.ledger.state('hospital'), b.identity.blsPublicKey)?.name).toBe('Ward 3 workstation');
    expect((await networkView(b, ownB)).joined).toMatchObject({ network: 'Valley Health', via: 'St Mary Hospital' });

    // a record added on A appears on B
    const pa = registerPatient(a, { fhirId: 'pat-a', display: 'Ann Example', birthYear: 1970 });
    const obs = { resourceType: 'Observation', id: 'obs-a', status: 'final', code: { text: 'Heart rate' } } as FhirResource;
    const ra = storeRecord(a, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: pa });
    await until(() => b.ledger.height('hospital') === a.ledger.height('hospital') && anchorsOf(b, ra.recordId) === 1);
    await until(() => ownB.online() === true);

    // A goes away: B keeps reading its replica and queues its own record
    await ownA.stop();
    await until(() => ownB.online() === false);
    expect(bEvents.some((e) => e.type === 'sync.progress' && e.payload.state === 'offline')).toBe(true);
    const pb = registerPatient(b, { fhirId: 'pat-b', display: 'Bo Example', birthYear: 1980 });
    const obsB = { resourceType: 'Observation', id: 'obs-b', status: 'final', code: { text: 'Blood pressure' } } as FhirResource;
    const rb = storeRecord(b, { resource: obsB, labels: toLabelsBody(classifyResource(obsB)), patient: pb });
    expect(anchorsOf(b, ra.recordId)).toBe(1);
    const offline = await networkView(b, ownB);
    expect(offline.online).toBe(false);
    expect(offline.pending).toHaveLength(1);
    expect(offline.pending[0]).toMatchObject({ chain: 'hospital', kind: 'record.anchor', txId: toHex(rb.anchorTx) });
    expect(offline.peers[0]).toMatchObject({ name: 'St Mary Hospital', reachable: false });
    // its chart shows the record it wrote, pending, beside what it has read from the chain
    expect(chartOfClinician(b, pb.pk)).toEqual([expect.objectContaining({ id: rb.recordId, pending: true, author: { organization: 'Ward 3 workstation' } })]);
    // with the labels it was signed with (its anchor in the queue), not a placeholder
    expect(chartOfClinician(b, pb.pk)[0].labels).toMatchObject({ category: 'observation', confidentiality: 'N' });
    expect(chartOfClinician(b, pa.pk)).toEqual([expect.objectContaining({ id: ra.recordId, pending: false })]);

    // A comes back on the same address: B's record commits exactly once, on both
    ownA = await run(a);
    await until(() => anchorsOf(a, rb.recordId) === 1 && b.ledger.height('hospital') === a.ledger.height('hospital') && b.outbox('pending').length + b.outbox('submitted').length === 0, 30_000);
    expect(anchorsOf(a, rb.recordId)).toBe(1);
    expect(anchorsOf(b, rb.recordId)).toBe(1);
    expect((await networkView(b, ownB)).pending).toEqual([]);
    expect(chartOfClinician(b, pb.pk)).toEqual([expect.objectContaining({ id: rb.recordId, pending: false, version: 1 })]);
    const committed = bEvents.filter((e) => e.type === 'tx.pending' && e.payload.status === 'committed' && e.payload.txId === toHex(rb.anchorTx));
    expect(committed).toHaveLength(1);
  }, 90_000);

  it('a transaction refused at commit is shown with its reason, not swallowed', async () => {
    const a = await node('St Mary Hospital', true);
    let ownA = await run(a);
    const b = await node('Riverside Clinic', false);
    const { peerLine: lineB } = await joinByInvite(b, (await inviteView(a, ownA)).invite);
    const bEvents: TrichainEvent[] = [];
    const ownB = await run(b, bEvents);
    admitByLine(a, lineB);
    await until(() => b.chains().length === 3 && b.ledger.height('social') === a.ledger.height('social'));
    await until(() => ownB.online() === true);
    // an outside organization asks both hospitals to admit it; B does so while St Mary is away
    const c = await node('Acme Insurance', false, 'entity');
    const { peerLine: lineC } = await joinByInvite(c, (await inviteView(a, ownA)).invite);
    await ownA.stop();
    await until(() => ownB.online() === false);
    const queued = admitByLine(b, lineC);
    expect(queued.registered).toEqual([{ chain: 'social', status: 'pending' }]);
    admitByLine(a, lineC); // St Mary, the validator, registers it first
    ownA = await run(a);
    await until(() => (bEvents.some((e) => e.type === 'tx.pending' && e.payload.status === 'failed')), 30_000);
    const failed = bEvents.find((e) => e.type === 'tx.pending' && e.payload.status === 'failed')!;
    expect(failed.payload).toMatchObject({ chain: 'social', kind: 'member.register', detail: expect.stringMatching(/already/) });
    const view = await networkView(b, ownB);
    expect(view.pending).toEqual([]);
    expect(view.refused).toEqual([expect.objectContaining({ chain: 'social', kind: 'member.register', reason: expect.stringMatching(/already/) })]);
  }, 90_000);
});
