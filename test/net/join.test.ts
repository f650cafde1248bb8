/**
 * Joining by invite, over real processes: a founding hospital A; a second hospital B joins and
 * syncs all three chains (verifying every block); a patient node syncs only the patient chain
 * and an entity node only the social chain; A refuses the patient node the hospital chain (403)
 * and refuses a node it never admitted at the TLS handshake.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerClient } from '../../src-main/net/client';
import { createTlsIdentity } from '../../src-main/net/tls';
import { cli, fixture, foundNetwork, invite, joinNetwork, startNode, statusJson, until, type NodeProc } from './helpers';

const running: NodeProc[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop().catch(() => n.kill9())));
});

describe('join by invite (multi-process)', () => {
  it('a hospital syncs all chains, a patient only the patient chain, an entity only the social chain', async () => {
    const aDir = await foundNetwork('Alpha General');
    // Some history first: records anchored on the hospital chain, each in its own block.
    await fixture('submit.ts', [aDir, 'anchor', '20', '--each-block']);
    const a = await startNode(aDir, ['--listen', '127.0.0.1:0']);
    running.push(a);
    const inv = await invite(aDir);
    expect(inv).toMatch(/^trichain-invite:/);

    const bDir = await joinNetwork({ inviterDir: aDir, invite: inv, role: 'hospital', name: 'Beta Clinic' });
    const pDir = await joinNetwork({ inviterDir: aDir, invite: inv, role: 'patient', name: 'Pat Patient' });
    const eDir = await joinNetwork({ inviterDir: aDir, invite: inv, role: 'entity', name: 'Ensure Insurance', kind: 'insurer' });

    const [b, p, e] = await Promise.all([startNode(bDir), startNode(pDir), startNode(eDir)]);
    running.push(b, p, e);
    const aStatus = await a.status();
    expect(aStatus.chains.hospital!.height).toBe(21);

    const same = (x: { height: number; head: string } | null, y: { height: number; head: string } | null) => !!x && !!y && x.height === y.height && x.head === y.head;
    await until('B has all three chains as A', async () => {
      const s = await b.status();
      return same(s.chains.patient, aStatus.chains.patient) && same(s.chains.hospital, aStatus.chains.hospital) && same(s.chains.social, aStatus.chains.social);
    });
    await until('P has the patient chain', async () => same((await p.status()).chains.patient, aStatus.chains.patient));
    await until('E has the social chain', async () => same((await e.status()).chains.social, aStatus.chains.social));

    // The patient node asks A for the hospital chain with its own certificate: 403, no block bytes.
    const pTls = { keyPem: readFileSync(join(pDir, 'tls', 'key.pem'), 'utf8'), certPem: readFileSync(join(pDir, 'tls', 'cert.pem'), 'utf8') };
    const pc = new PeerClient({ address: a.peer, tls: pTls, expectedFingerprint: a.fingerprint });
    try {
      expect((await pc.request('GET', '/blocks/hospital?from=1')).status).toBe(403);
      expect((await pc.request('GET', '/blocks/social?from=1')).status).toBe(403);
      // genesis documents are trust anchors every peer may fetch (to verify cross-chain proofs)
      expect((await pc.request('GET', '/genesis/hospital')).status).toBe(200);
      // the patient laptop is a light client: whole patient-chain blocks are refused to it too,
      // headers with its own transactions are served
      expect((await pc.request('GET', '/blocks/patient?from=1')).status).toBe(403);
      let frames = 0;
      for await (const _b of pc.stream('/light/patient?from=1&limit=1')) frames++;
      expect(frames).toBe(1);
    } finally {
      pc.close();
    }
    // A certificate A never admitted is refused before any HTTP.
    const stranger = await createTlsIdentity('stranger');
    const sc = new PeerClient({ address: a.peer, tls: stranger, expectedFingerprint: a.fingerprint, timeoutMs: 5000 });
    await expect(sc.request('GET', '/chains')).rejects.toThrow();
    sc.close();

    await Promise.all([b.stop(), p.stop(), e.stop()]);
    // The CLI view, from the stopped nodes' stores.
    const [bs, ps, es, as] = await Promise.all([statusJson(bDir), statusJson(pDir), statusJson(eDir), statusJson(aDir)]);
    for (const c of ['patient', 'hospital', 'social'] as const) {
      expect(bs.chains[c]!.height).toBe(as.chains[c]!.height);
      expect(bs.chains[c]!.head).toBe(as.chains[c]!.head);
    }
    expect(bs.network).toBe(as.network);
    expect(ps.chains.patient!.head).toBe(as.chains.patient!.head);
    expect(ps.chains.hospital).toBeNull();
    expect(ps.chains.social).toBeNull();
    expect(es.chains.social!.head).toBe(as.chains.social!.head);
    expect(es.chains.hospital).toBeNull();
    expect(es.chains.patient).toBeNull();
    // Every block B stored verifies, signatures included.
    expect((await cli(['verify', '--data', bDir])).code).toBe(0);
    // The patient laptop's light chain verifies: headers' certificates, its own transactions' proofs.
    const pver = await cli(['verify', '--data', pDir]);
    expect(pver.code).toBe(0);
    expect(pver.out).toMatch(/patient chain \(light client\): \d+ headers with quorum certificates, \d+ own transactions with inclusion proofs/);
    const pv = await cli(['status', '--data', pDir]);
    expect(pv.out).toMatch(/hospital\s+\(not replicated\)/);
  }, 120_000);
});
