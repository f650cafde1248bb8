/**
 * Founding, joining and admitting through the engine's API (the dispatch path the host and
 * Electron use), two apps outside the demo: the app's own node runs with peers, and every bad
 * input is answered before anything is signed or written.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { dispatch, type ApiOutput, type RendererMethod, type SignAction, type TrichainEvent } from '../../src-shared/api';
import { tempDir } from '../support/ledger';
import { smallBundle } from '../support/bundles';
import { createService, type Service } from '../../src-main/app/service';

const saved = { ...process.env };
let a: Service;
let b: Service;
let dirB: string;
const eventsB: TrichainEvent[] = [];

async function call<M extends RendererMethod>(svc: Service, method: M, input: unknown = {}): Promise<ApiOutput<M>> {
  const r = await dispatch(svc, method, input, 'renderer');
  if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.code} ${r.error.message}`), { code: r.error.code });
  return r.value as ApiOutput<M>;
}
async function sign<M extends SignAction['method']>(svc: Service, method: M, input: unknown) {
  const prep = await call(svc, 'sign.prepare', { method, input });
  const done = await call(svc, 'sign.confirm', { requestId: prep.requestId });
  return done.value as Extract<ApiOutput<'sign.confirm'>, { method: M }>['value'];
}

describe('two apps outside the demo: found, invite, join, admit', () => {
  beforeAll(async () => {
    process.env.TRICHAIN_NO_DEMO = '1';
    process.env.TRICHAIN_SYNC_INTERVAL_MS = '100';
    process.env.TRICHAIN_KEYSTORE_UNLOCK = 'service-network-test-unlock';
    a = await createService({ dataDir: tempDir('svc-net-a-'), emit: () => {} });
    dirB = tempDir('svc-net-b-');
    b = await createService({ dataDir: dirB, emit: (e) => eventsB.push(e) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    process.env = saved;
  });

  it('a hospital founds from the first screen and its node serves peers', async () => {
    const prep = await call(a, 'sign.prepare', { method: 'identity.create', input: { role: 'clinician', displayName: 'Dr. Ada Osei', organization: 'St Mary Hospital', network: 'Valley Health' } });
    expect(prep.summary.what).toMatch(/Found the network "Valley Health"/);
    await call(a, 'sign.confirm', { requestId: prep.requestId });
    const st = await call(a, 'network.status');
    expect(st).toMatchObject({ running: true, network: 'Valley Health', canInvite: true, pending: [], refused: [] });
    expect(st.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const inv = await call(a, 'network.invite');
    expect(inv).toMatchObject({ network: 'Valley Health', address: st.address });
    expect(inv.qrSvg).toMatch(/^data:image\/svg\+xml;base64,/);
    await expect(call(a, 'network.invite', { address: '0.0.0.0:7443' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('a workstation sees whom it joins before it trusts the invite; bad invites change nothing', async () => {
    const { invite } = await call(a, 'network.invite');
    const identity = { role: 'clinician', displayName: 'Ward 3 workstation' };
    const mangled = invite.slice(0, 40) + (invite[40] === 'A' ? 'B' : 'A') + invite.slice(41);
    await expect(call(b, 'sign.prepare', { method: 'network.join', input: { invite: mangled, identity } })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /invite refused/ });
    await expect(call(b, 'sign.prepare', { method: 'network.join', input: { invite } })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /who is this computer/ });
    expect((await call(b, 'app.info')).initialized).toBe(false);
    expect(existsSync(join(dirB, 'node'))).toBe(false);

    const prep = await call(b, 'sign.prepare', { method: 'network.join', input: { invite, identity } });
    const details = Object.fromEntries(prep.summary.details.map((d) => [d.label, d.value]));
    const st = await call(a, 'network.status');
    expect(details).toMatchObject({ Network: 'Valley Health', 'Invited by': 'St Mary Hospital (hospital)', 'Peer address': st.address, 'Certificate fingerprint': st.fingerprint });
    const joined = (await call(b, 'sign.confirm', { requestId: prep.requestId })).value as ApiOutput<'network.join'>;
    expect(joined).toMatchObject({ networkId: 'Valley Health', inviter: { name: 'St Mary Hospital' } });
    expect(joined.peerLine).toMatch(/^trichain-peer:/);
    expect((await call(b, 'app.info')).initialized).toBe(true);
    // the network already joined: refused before the dialog
    await expect(call(b, 'sign.prepare', { method: 'network.join', input: { invite } })).rejects.toMatchObject({ code: 'CONFLICT', message: /already joined the network "Valley Health"/ });
    await expect(call(a, 'sign.prepare', { method: 'network.join', input: { invite } })).rejects.toMatchObject({ code: 'CONFLICT' });

    // the hospital sees the joiner's name and role before it signs, then admits it
    await expect(call(a, 'sign.prepare', { method: 'network.admit', input: { peerLine: 'trichain-peer:nonsense.AAAA' } })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: /join request/ });
    const adm = await call(a, 'sign.prepare', { method: 'network.admit', input: { peerLine: joined.peerLine } });
    expect(adm.summary.what).toMatch(/Admit Ward 3 workstation \(hospital\)/);
    // with the workstation's peer address, so that the validator also fetches the records it writes
    const addressB = (await call(b, 'network.status')).address;
    const admitted = await sign(a, 'network.admit', { peerLine: joined.peerLine, address: addressB });
    expect((await call(a, 'network.status')).peers).toContainEqual(expect.objectContaining({ name: 'Ward 3 workstation', role: 'hospital', address: addressB, source: 'join' }));
    expect(admitted.registered.map((r) => r.status)).toEqual(['committed', 'committed', 'committed']);

    // B's running node receives the chains, and the UI hears of it
    await vi.waitFor(async () => expect((await call(b, 'app.info')).chains).toHaveLength(3), { timeout: 30_000, interval: 100 });
    await vi.waitFor(async () => expect((await call(b, 'network.status')).online).toBe(true), { timeout: 30_000, interval: 100 });
    expect(eventsB.some((e) => e.type === 'chain.updated')).toBe(true);
    expect((await call(b, 'network.status')).peerLine).toMatch(/^trichain-peer:/);
  }, 90_000);

  it('a patient laptop joins (its keys made there), the hospital admits and enrols it, and it reads its records', async () => {
    await sign(a, 'records.import', { importId: 'pa-1', bundle: JSON.stringify(smallBundle('pat-1', 2)) });
    const [pa] = (await call(a, 'patients.search', { query: 'pat-1' })).patients;
    const { invite } = await call(a, 'network.invite');
    const p = await createService({ dataDir: tempDir('svc-net-p-'), emit: () => {} });
    try {
      const joined = await sign(p, 'network.join', { invite, identity: { role: 'patient', displayName: 'Ann Example' } });
      expect(joined.recoveryPhrase?.split(' ')).toHaveLength(24);
      expect(joined.enrolmentRequest).toMatch(/^trichain-enrol:/);
      expect(joined.chains).toEqual(['patient']);
      await sign(a, 'network.admit', { peerLine: joined.peerLine });
      await expect(call(a, 'sign.prepare', { method: 'network.enrol', input: { patientId: pa.id, request: 'trichain-enrol:garbage.AAAA' } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      const prep = await call(a, 'sign.prepare', { method: 'network.enrol', input: { patientId: pa.id, request: joined.enrolmentRequest } });
      expect(prep.summary.what).toMatch(/Enrol Test Patient pat-1's laptop/);
      const enrolled = (await call(a, 'sign.confirm', { requestId: prep.requestId })).value as ApiOutput<'network.enrol'>;
      expect(enrolled.linked).toBeGreaterThan(0);
      await vi.waitFor(async () => {
        const chart = await call(p, 'patients.chart');
        expect(chart.resources.length).toBe(enrolled.linked);
        expect(chart.resources.every((r) => r.author.organization === 'St Mary Hospital')).toBe(true);
      }, { timeout: 40_000, interval: 200 });
    } finally {
      await p.close();
    }
  }, 90_000);

  it('an app whose peer address is taken still opens, reads and signs alone, and says it is not running', async () => {
    const dir = tempDir('svc-net-c-');
    const c = await createService({ dataDir: dir, emit: () => {} });
    await sign(c, 'identity.create', { role: 'clinician', displayName: 'Dr. C', organization: 'Hill Clinic' });
    await c.close();
    const taken: Server = await new Promise((resolve) => { const srv = createServer(); srv.listen(0, '127.0.0.1', () => resolve(srv)); });
    process.env.TRICHAIN_PEER_LISTEN = `127.0.0.1:${(taken.address() as { port: number }).port}`;
    try {
      const again = await createService({ dataDir: dir, emit: () => {} });
      try {
        expect((await call(again, 'app.info')).identity?.displayName).toBe('Hill Clinic');
        expect(await call(again, 'network.status')).toMatchObject({ running: false, online: null });
        const imported = await sign(again, 'records.import', { importId: 'c-1', bundle: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'pc', name: [{ family: 'Hill' }] } }] }) });
        expect(imported.imported).toBeGreaterThan(0);
      } finally {
        await again.close();
      }
    } finally {
      delete process.env.TRICHAIN_PEER_LISTEN;
      taken.close();
    }
  }, 60_000);
});
