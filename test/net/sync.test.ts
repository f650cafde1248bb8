import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalEncode } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';
import { defaultBls } from '../../src-main/crypto/bls';
import { decodeBlock, encodeBlock } from '../../src-main/ledger/encoding';
import type { ChainId, ValidatorInfo } from '../../src-main/ledger/types';
import type { BlobMeta } from '../../src-main/net/acl';
import { PeerClient } from '../../src-main/net/client';
import { startPeerServer, type PeerServer } from '../../src-main/net/server';
import { fetchBlob, remoteChains, syncChain, syncFromPeers, syncRoutes, SyncSession, type SyncProgress } from '../../src-main/net/sync';
import type { SyncStore } from '../../src-main/net/sync-store';
import { buildChain, MemorySyncStore, storeWith } from '../support/sync-store';
import { fakePeer, tlsFor } from '../support/net';
import type { PeerIdentity } from '../../src-main/net/types';
import type { TlsIdentity } from '../../src-main/net/tls';

const rand = (n: number) => new Uint8Array(randomBytes(n));
const GEN: Record<ChainId, Uint8Array> = { patient: rand(32), hospital: rand(32), social: rand(32) };
const N = 500;
let chains: Record<ChainId, Uint8Array[]>;

const servers: PeerServer[] = [];
const clients: PeerClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Peers {
  hospital: PeerIdentity; // validator of the hospital chain
  hospital2: PeerIdentity; // not a validator
  patient: PeerIdentity;
  patient2: PeerIdentity;
  entity: PeerIdentity;
  entity2: PeerIdentity;
}
let tls: Record<keyof Peers | 'server' | 'server2', TlsIdentity>;
let peers: Peers;

beforeAll(async () => {
  chains = {
    patient: buildChain({ chain: 'patient', genesis: GEN.patient, n: 50 }),
    hospital: buildChain({ chain: 'hospital', genesis: GEN.hospital, n: N }),
    social: buildChain({ chain: 'social', genesis: GEN.social, n: 30 }),
  };
  const names = ['server', 'server2', 'hospital', 'hospital2', 'patient', 'patient2', 'entity', 'entity2'] as const;
  tls = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await tlsFor(n)]))) as typeof tls;
  const pk = (i: number) => new Uint8Array(48).fill(i);
  peers = {
    hospital: fakePeer(tls.hospital, 'hospital', 'General Hospital', ['hospital', 'patient', 'social'], pk(1)),
    hospital2: fakePeer(tls.hospital2, 'hospital', 'Small Clinic', [], pk(2)),
    patient: fakePeer(tls.patient, 'patient', 'Pat', [], pk(3)),
    patient2: fakePeer(tls.patient2, 'patient', 'Quinn', [], pk(4)),
    entity: fakePeer(tls.entity, 'entity', 'Insurer', [], pk(5)),
    entity2: fakePeer(tls.entity2, 'entity', 'Researcher', [], pk(6)),
  };
});

interface Serve {
  server: PeerServer;
  txs: { chain: ChainId; peer: string }[];
  votes: { chain: ChainId; peer: string }[];
}

async function serve(store: SyncStore, opts: { blobMeta?: (h: Uint8Array) => BlobMeta | null; id?: TlsIdentity } = {}): Promise<Serve> {
  const byFp = new Map(Object.values(peers).map((p) => [p.fingerprint, p]));
  const txs: Serve['txs'] = [];
  const votes: Serve['votes'] = [];
  const server = await startPeerServer({
    tls: opts.id ?? tls.server,
    listen: { host: '127.0.0.1', port: 0 },
    authorize: (fp) => byFp.get(fp) ?? null,
    log: () => {},
    routes: syncRoutes({
      store,
      blobMeta: opts.blobMeta ?? (() => null),
      onTx: (chain, _tx, peer) => (txs.push({ chain, peer: peer.name }), { accepted: true }),
      onConsensus: (chain, _m, peer) => (votes.push({ chain, peer: peer.name }), null),
    }),
  });
  servers.push(server);
  return { server, txs, votes };
}

function clientFor(who: keyof Peers, server: PeerServer, serverId = tls.server): PeerClient {
  const c = new PeerClient({ address: `127.0.0.1:${server.port}`, tls: tls[who], expectedFingerprint: serverId.fingerprint, timeoutMs: 10_000 });
  clients.push(c);
  return c;
}

const fullStore = () => storeWith(GEN, chains);
const emptyStore = () => new MemorySyncStore(GEN);

/** A store that serves another's blocks, with hooks to break them. */
function servingProxy(inner: SyncStore, hooks: { block?: (chain: ChainId, h: number, b: Uint8Array | null) => Uint8Array | null }): SyncStore {
  return {
    genesisHash: (c) => inner.genesisHash(c),
    height: (c) => inner.height(c),
    blockBytes: (c, h) => (hooks.block ? hooks.block(c, h, inner.blockBytes(c, h)) : inner.blockBytes(c, h)),
    appendBlock: (c, b) => inner.appendBlock(c, b),
    blob: (h) => inner.blob(h),
    putBlob: (b) => inner.putBlob(b),
  };
}

describe('catch-up sync over HTTPS on loopback', () => {
  it(`moves ${N} verified blocks and reports progress`, async () => {
    const { server } = await serve(fullStore());
    const local = emptyStore();
    const progress: SyncProgress[] = [];
    const r = await syncChain(clientFor('hospital', server), local, 'hospital', { batchSize: 200, onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ complete: true, startHeight: 0, height: N, target: N, applied: N });
    expect(r.badPeer).toBeUndefined();
    expect(local.height('hospital')).toBe(N);
    for (const h of [1, 250, N]) expect(local.blockBytes('hospital', h)).toEqual(chains.hospital[h - 1]);
    expect(progress.length).toBe(N);
    expect(progress.at(-1)).toMatchObject({ height: N, target: N, applied: N });
    expect(progress.map((p) => p.height)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    // already in sync: nothing to do
    expect(await syncChain(clientFor('hospital', server), local, 'hospital')).toMatchObject({ complete: true, applied: 0 });
  });

  it('resumes from where it stopped after the stream is killed midway', async () => {
    let killed = false;
    const src = servingProxy(fullStore(), {
      block: (c, h, b) => {
        if (c === 'hospital' && h === 180 && !killed) {
          killed = true;
          throw new Error('simulated crash while streaming');
        }
        return b;
      },
    });
    const { server } = await serve(src);
    const local = emptyStore();
    const first = await syncChain(clientFor('hospital', server), local, 'hospital', { batchSize: 400, retries: 0 });
    expect(killed).toBe(true);
    expect(first.complete).toBe(false);
    expect(first.stopped).toMatch(/interrupted/);
    expect(first.badPeer).toBeUndefined(); // an interruption is not misbehaviour
    const mid = local.height('hospital');
    expect(mid).toBeGreaterThan(0); // what arrived before the cut was verified and kept
    expect(mid).toBeLessThan(180);
    expect(local.refused).toEqual([]);
    const second = await syncChain(clientFor('hospital', server), local, 'hospital', { batchSize: 400 });
    expect(second).toMatchObject({ complete: true, startHeight: mid, height: N, applied: N - mid });
  });

  it('resumes by itself within one call when retries are allowed', async () => {
    const killAt = new Set([120, 333]);
    let kills = 0;
    const src = servingProxy(fullStore(), {
      block: (c, h, b) => {
        if (c === 'hospital' && killAt.delete(h)) {
          kills++;
          throw new Error('cut');
        }
        return b;
      },
    });
    const { server } = await serve(src);
    const local = emptyStore();
    const r = await syncChain(clientFor('hospital', server), local, 'hospital', { batchSize: 500, retries: 1 });
    expect(kills).toBe(2);
    expect(r).toMatchObject({ complete: true, height: N });
  });

  it('refuses a tampered block, stores nothing of its window, drops the peer and finishes from an honest one', async () => {
    const tampered = (b: Uint8Array): Uint8Array => {
      const blk = decodeBlock(b);
      blk.txs[0] = { ...blk.txs[0], body: { ...blk.txs[0].body, note: 'rewritten history' } };
      return encodeBlock(blk);
    };
    const src = servingProxy(fullStore(), { block: (c, h, b) => (c === 'hospital' && h === 200 && b ? tampered(b) : b) });
    const bad = await serve(src);
    const good = await serve(fullStore(), { id: tls.server2 });
    const local = emptyStore();
    const dropped: string[] = [];
    const session = new SyncSession((b) => dropped.push(b.fingerprint));
    const badClient = clientFor('hospital', bad.server);
    const r = await syncChain(badClient, local, 'hospital', { session });
    expect(r.complete).toBe(false);
    expect(r.badPeer).toMatchObject({ fingerprint: tls.server.fingerprint, chain: 'hospital', height: 200 });
    expect(r.badPeer!.reason).toMatch(/block 200 refused: .*Merkle root/);
    // nothing of its window (blocks 1-256, authenticated only by block 256's certificate) is stored
    expect(local.height('hospital')).toBe(0);
    expect(local.blockBytes('hospital', 199)).toBeNull();
    expect(dropped).toEqual([tls.server.fingerprint]);

    // not contacted again in this session
    const before = bad.server.stats.requests;
    const again = await syncChain(badClient, local, 'hospital', { session });
    expect(again.stopped).toMatch(/dropped/);
    expect(bad.server.stats.requests).toBe(before);

    const all = await syncFromPeers([badClient, clientFor('hospital', good.server, tls.server2)], local, ['hospital'], { session });
    expect(all.at(-1)).toMatchObject({ complete: true, peer: tls.server2.fingerprint, height: N, startHeight: 0 });
    expect(local.blockBytes('hospital', 200)).toEqual(chains.hospital[199]);
    expect(bad.server.stats.requests).toBe(before);
  });

  it('refuses a block that does not link to its predecessor', async () => {
    const src = servingProxy(fullStore(), {
      block: (c, h, b) => {
        if (c !== 'hospital' || h !== 7 || !b) return b;
        const blk = decodeBlock(b);
        blk.header = { ...blk.header, prevHash: rand(32) };
        return encodeBlock(blk);
      },
    });
    const { server } = await serve(src);
    const local = emptyStore();
    const r = await syncChain(clientFor('hospital', server), local, 'hospital');
    expect(r.badPeer?.reason).toMatch(/block 7 refused: .*does not link/);
    expect(local.height('hospital')).toBe(0); // its window is refused whole
  });

  it('drops a peer whose chain has another genesis', async () => {
    const other = storeWith({ ...GEN, social: rand(32) }, {});
    const { server } = await serve(other);
    const r = await syncChain(clientFor('hospital', server), emptyStore(), 'social');
    expect(r.badPeer?.reason).toMatch(/another genesis/);
  });

  it('drops a peer that sends a malformed stream', async () => {
    const src = servingProxy(fullStore(), { block: (c, h, b) => (h === 3 ? new Uint8Array(0) : b) });
    const { server } = await serve(src);
    const local = emptyStore();
    const r = await syncChain(clientFor('hospital', server), local, 'hospital');
    expect(r.badPeer?.height).toBe(3);
    expect(local.height('hospital')).toBe(0);
  });
});

describe('entitlements enforced by trying', () => {
  it('a patient laptop is listed only the patient chain, and gets 403 and no block bytes for whole blocks of any chain', async () => {
    const { server } = await serve(fullStore());
    const c = clientFor('patient', server);
    expect((await remoteChains(c)).map((x) => x.chain)).toEqual(['patient']);
    const r = await c.request('GET', '/blocks/hospital?from=1&limit=10');
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: 'not entitled to the hospital chain' });
    await expect(async () => {
      for await (const _ of c.stream('/blocks/hospital?from=1')) void _;
    }).rejects.toThrow(/403/);
    const local = emptyStore();
    const h = await syncChain(c, local, 'hospital');
    expect(h).toMatchObject({ complete: false, applied: 0 });
    expect(local.height('hospital')).toBe(0);
    // a light client: whole patient-chain blocks are refused to it as well (net/light-sync serves it)
    expect((await c.request('GET', '/blocks/patient?from=1&limit=10')).status).toBe(403);
    expect(await syncChain(c, local, 'patient')).toMatchObject({ complete: false, applied: 0 });
  });

  it('an entity gets only the social chain', async () => {
    const { server } = await serve(fullStore());
    const c = clientFor('entity', server);
    expect((await remoteChains(c)).map((x) => x.chain)).toEqual(['social']);
    for (const chain of ['patient', 'hospital'] as const) expect((await c.request('GET', `/blocks/${chain}?from=1`)).status).toBe(403);
    const local = emptyStore();
    const rs = await syncFromPeers([c], local);
    expect(rs.map((r) => [r.chain, r.complete])).toEqual([
      ['patient', false],
      ['hospital', false],
      ['social', true],
    ]);
    expect([local.height('patient'), local.height('hospital'), local.height('social')]).toEqual([0, 0, 30]);
  });

  it('a hospital gets all three chains', async () => {
    const { server } = await serve(fullStore());
    expect((await remoteChains(clientFor('hospital2', server))).map((x) => x.chain)).toEqual(['patient', 'hospital', 'social']);
  });

  it('transactions only for entitled chains, consensus only from validators', async () => {
    const s = await serve(fullStore());
    const tx = { type: 'x', n: 1 };
    expect((await clientFor('entity', s.server).request('POST', '/tx/hospital', tx)).status).toBe(403);
    expect((await clientFor('entity', s.server).request('POST', '/tx/social', tx)).body).toEqual({ accepted: true });
    expect((await clientFor('patient', s.server).request('POST', '/consensus/patient', tx)).status).toBe(403);
    expect((await clientFor('hospital2', s.server).request('POST', '/consensus/hospital', tx)).status).toBe(403);
    expect((await clientFor('hospital', s.server).request('POST', '/consensus/hospital', tx)).status).toBe(200);
    expect(s.txs).toEqual([{ chain: 'social', peer: 'Insurer' }]);
    expect(s.votes).toEqual([{ chain: 'hospital', peer: 'General Hospital' }]);
  });

  it('blobs go only to the peers entitled to them', async () => {
    const store = fullStore();
    const record = store.putBlob(rand(300)); // Pat's record, authored by Small Clinic
    const pkg = store.putBlob(rand(200)); // a package published by General Hospital for the Insurer
    const meta = new Map<string, BlobMeta>([
      [toHex(record), { kind: 'record', patient: peers.patient.blsPk, author: peers.hospital2.blsPk, keyHolders: [peers.hospital2.blsPk] }],
      [toHex(pkg), { kind: 'package', publisher: peers.hospital.blsPk, addressedTo: [peers.entity.blsPk] }],
    ]);
    const { server } = await serve(store, { blobMeta: (h) => meta.get(toHex(h)) ?? null });
    const got = async (who: keyof Peers, h: Uint8Array) => (await fetchBlob(clientFor(who, server), emptyStore(), h)) !== null;
    expect(await got('patient', record)).toBe(true);
    expect(await got('patient2', record)).toBe(false);
    expect(await got('entity', record)).toBe(false);
    expect(await got('hospital2', record)).toBe(true); // author
    expect(await got('hospital', record)).toBe(true); // hospital-chain validator: ciphertext replica
    expect(await got('entity', pkg)).toBe(true);
    expect(await got('entity2', pkg)).toBe(false);
    expect(await got('patient', pkg)).toBe(false);
    expect(await got('hospital', pkg)).toBe(true); // publisher
    expect(await got('hospital2', pkg)).toBe(false);
    // denied looks exactly like absent
    const denied = await clientFor('entity2', server).request('GET', `/blob/${toHex(pkg)}`);
    const absent = await clientFor('entity2', server).request('GET', `/blob/${toHex(rand(32))}`);
    expect(denied).toEqual(absent);
  });

  it('a blob that does not hash to its name is refused and its server dropped', async () => {
    const honest = rand(64);
    const h = sha256(honest);
    const lying = servingProxy(fullStore(), {});
    (lying as { blob: (x: Uint8Array) => Uint8Array | null }).blob = () => rand(64);
    const { server } = await serve(lying, { blobMeta: () => ({ kind: 'record', patient: peers.patient.blsPk, author: peers.hospital.blsPk, keyHolders: [] }) });
    const session = new SyncSession();
    const local = emptyStore();
    await expect(fetchBlob(clientFor('patient', server), local, h, session)).rejects.toThrow(/does not match its hash/);
    expect(session.isBad(tls.server.fingerprint)).toBe(true);
    expect(local.blob(h)).toBeNull();
  });
});

describe('sync with real commit certificates: windows authenticated by their last block', () => {
  const setup = () => {
    const bls = defaultBls();
    const sks = [1, 2, 3].map((i) => bls.keygen(new Uint8Array(32).fill(i)));
    const validators: ValidatorInfo[] = sks.map((sk, i) => ({ name: `v${i}`, blsPk: bls.publicKey(sk), pop: bls.popProve(sk) }));
    const blocks = buildChain({ chain: 'hospital', genesis: GEN.hospital, n: 20, signer: { bls, secretKeys: sks, validators } });
    const certify = { hospital: { bls, validators } };
    const src = storeWith({ hospital: GEN.hospital }, { hospital: blocks }, certify);
    // a certificate aggregated from an outsider's key, with the honest signer bitmap
    const outsider = bls.keygen(new Uint8Array(32).fill(99));
    const forged = decodeBlock(buildChain({ chain: 'hospital', genesis: GEN.hospital, n: 1, signer: { bls, secretKeys: [outsider, outsider, outsider], validators } })[0]).cert.signature;
    const forge = (h: number) => {
      const b = decodeBlock(blocks[h - 1]);
      return encodeBlock({ ...b, cert: { ...b.cert, signature: forged } });
    };
    return { blocks, certify, src, forge };
  };

  it('a forged certificate on the last block of the window: refused, nothing of the window stored', async () => {
    const { certify, src, forge } = setup();
    const { server } = await serve(servingProxy(src, { block: (_c, h, b) => (h === 20 ? forge(20) : b) }));
    const local = new MemorySyncStore({ hospital: GEN.hospital }, certify);
    const r = await syncChain(clientFor('hospital', server), local, 'hospital');
    expect(r.badPeer?.reason).toMatch(/block 20 refused: .*certificate/);
    expect(local.height('hospital')).toBe(0);
    const { server: honest } = await serve(src, { id: tls.server2 });
    expect(await syncChain(clientFor('hospital', honest, tls.server2), local, 'hospital')).toMatchObject({ complete: true, height: 20 });
    expect(local.audit('hospital')).toEqual({ audited: 20, bad: null });
  });

  it('a forged certificate on a block inside the window: the blocks are accepted, the certificate is not served until the audit, which finds it', async () => {
    const { certify, src, forge } = setup();
    const { server } = await serve(servingProxy(src, { block: (_c, h, b) => (h === 12 ? forge(12) : b) }));
    const local = new MemorySyncStore({ hospital: GEN.hospital }, certify);
    expect(await syncChain(clientFor('hospital', server), local, 'hospital')).toMatchObject({ complete: true, height: 20 });
    // unaudited: served to no one
    expect(local.servedHeight('hospital')).toBe(0);
    expect(local.blockBytes('hospital', 12)).toBeNull();
    const { server: relay } = await serve(local, { id: tls.server2 });
    expect((await remoteChains(clientFor('hospital', relay, tls.server2))).find((c) => c.chain === 'hospital')?.height).toBe(0);
    // the audit names the bad certificate; what is below it is served, it and above not
    expect(local.audit('hospital')).toEqual({ audited: 11, bad: 12 });
    expect(local.servedHeight('hospital')).toBe(11);
    expect(local.blockBytes('hospital', 12)).toBeNull();
  });
});

describe('wire form', () => {
  it('blocks travel as their canonical bytes', () => {
    const b = chains.social[0];
    expect(canonicalEncode(decodeBlock(b) as never)).toEqual(b);
  });
});
