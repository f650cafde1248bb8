/**
 * The node's side of catch-up windows: a fresh node syncs, over mutual-TLS HTTPS, from a hostile
 * peer that serves correct blocks with a garbage certificate on an intermediate block. The blocks
 * are stored (the window's last certificate authenticates them), the node offers none of the
 * unaudited blocks to its own peers, and the audit (node/cert-audit.ts, as the daemon runs it after
 * each round) finds the bad certificate, marks the peer that served it bad, fetches the block again
 * from an honest peer and attaches that valid certificate; then everything is served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorTx } from '../../src-main/consensus/cometbft/network';
import { makeBitmap } from '../../src-main/ledger/certificate';
import { decodeBlock, encodeBlock } from '../../src-main/ledger/encoding';
import { PeerClient } from '../../src-main/net/client';
import { startPeerServer, type PeerServer } from '../../src-main/net/server';
import { remoteChains, syncChain, syncRoutes, SyncSession } from '../../src-main/net/sync';
import type { SyncStore } from '../../src-main/net/sync-store';
import type { TlsIdentity } from '../../src-main/net/tls';
import { CertAuditor } from '../../src-main/node/cert-audit';
import { TrichainNode } from '../../src-main/node/node';
import { NodeSyncStore } from '../../src-main/node/sync-adapter';
import { fakePeer, tlsFor } from '../support/net';

const fast = { N: 2 ** 10 };
const N = 12;
const BAD = 5;
let base: string;
let source: TrichainNode;
let dest: TrichainNode;
let ids: Record<'hostile' | 'honest' | 'dest' | 'other', TlsIdentity>;
const servers: PeerServer[] = [];
const clients: PeerClient[] = [];

async function serve(store: SyncStore, id: TlsIdentity): Promise<PeerServer> {
  const peers = new Map([ids.dest, ids.other].map((t, i) => [t.fingerprint, fakePeer(t, 'hospital', `peer ${i}`)]));
  const s = await startPeerServer({ tls: id, listen: { host: '127.0.0.1', port: 0 }, authorize: (fp) => peers.get(fp) ?? null, log: () => {}, routes: syncRoutes({ store, blobMeta: () => null }) });
  servers.push(s);
  return s;
}

function client(server: PeerServer, serverId: TlsIdentity, me = ids.dest): PeerClient {
  const c = new PeerClient({ address: `127.0.0.1:${server.port}`, tls: me, expectedFingerprint: serverId.fingerprint, timeoutMs: 10_000 });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'trichain-cert-audit-'));
  source = await TrichainNode.init(join(base, 'source'), { role: 'hospital', name: 'Source', passphrase: 'p', found: true, network: 'audit', scrypt: fast });
  const key = { sk: source.identity.blsSecretKey, pk: source.identity.blsPublicKey };
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < 2; i++) source.submitSigned(anchorTx(source.bls, key, 'hospital', b * 2 + i), { defer: true });
    source.commitPending('hospital');
  }
  dest = await TrichainNode.init(join(base, 'dest'), { role: 'hospital', name: 'Fresh', passphrase: 'p', scrypt: fast });
  dest.ledger.initGenesis(source.ledger.genesis('hospital'));
  ids = { hostile: await tlsFor('hostile'), honest: await tlsFor('honest'), dest: await tlsFor('dest'), other: await tlsFor('other') };
}, 60_000);

afterAll(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(servers.map((s) => s.close()));
  source?.close();
  dest?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('a garbage certificate inside a catch-up window', () => {
  it('is stored but never served, found by the audit, its peer marked bad, replaced from an honest peer', async () => {
    expect(source.ledger.height('hospital')).toBe(N);
    const honestStore = new NodeSyncStore(source);
    const garbage = (bytes: Uint8Array): Uint8Array => {
      const b = decodeBlock(bytes);
      return encodeBlock({ ...b, cert: { ...b.cert, signers: makeBitmap(1, [0]), signature: source.bls.sign(source.identity.blsSecretKey, new Uint8Array([9])) } });
    };
    const hostileStore: SyncStore = {
      genesisHash: (c) => honestStore.genesisHash(c),
      height: (c) => honestStore.height(c),
      blockBytes: (c, h) => {
        const b = honestStore.blockBytes(c, h);
        return b && h === BAD ? garbage(b) : b;
      },
      appendBlock: () => {},
      blob: () => null,
      putBlob: (b) => honestStore.putBlob(b),
    };
    const hostile = await serve(hostileStore, ids.hostile);
    const honest = await serve(honestStore, ids.honest);
    const hostileClient = client(hostile, ids.hostile);
    const honestClient = client(honest, ids.honest);

    const session = new SyncSession();
    const local = new NodeSyncStore(dest);
    const r = await syncChain(hostileClient, local, 'hospital', { session });
    expect(r).toMatchObject({ complete: true, height: N });
    expect(r.badPeer).toBeUndefined();
    expect(dest.ledger.height('hospital')).toBe(N);

    // unaudited: this node offers none of those blocks to its own peers
    expect(local.servedHeight('hospital')).toBe(0);
    expect(local.blockBytes('hospital', BAD)).toBeNull();
    const relay = await serve(local, ids.honest);
    expect((await remoteChains(client(relay, ids.honest, ids.other))).find((c) => c.chain === 'hospital')?.height).toBe(0);

    const auditor = new CertAuditor(dest, session);
    auditor.noteSynced([r]);
    const summary = await auditor.run([hostileClient, honestClient]);
    expect(summary).toEqual({ audited: N, dropped: [{ chain: 'hospital', height: BAD, peer: ids.hostile.fingerprint }], replaced: 1 });
    expect(session.isBad(ids.hostile.fingerprint)).toBe(true);
    expect(session.isBad(ids.honest.fingerprint)).toBe(false);
    expect(local.servedHeight('hospital')).toBe(N);
    expect(local.blockBytes('hospital', BAD)).toEqual(source.ledger.blockBytes('hospital', BAD));
    expect(dest.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
    // nothing left to audit
    expect(await auditor.run([honestClient])).toEqual({ audited: 0, dropped: [], replaced: 0 });
  }, 60_000);
});
