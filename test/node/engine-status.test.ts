/**
 * What runs each chain, for hospital IT (node/engine-status.ts, runtime.status, the local API): a
 * founder's chains are `solo`; a validator of an embedded set runs Trichain's engine; a validator of
 * a chain whose validators run CometBFT, started without it, runs no engine there (Trichain's would
 * wait for votes that never come) and /health says `degraded` with what to do; a CometBFT that is
 * down and certificates that stop arriving are named too.
 */
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import type { Genesis } from '../../src-main/ledger/types';
import { engineProblems, type ChainEngineStatus } from '../../src-main/node/engine-status';
import { startLocalApi } from '../../src-main/node/local-api';
import { TrichainNode } from '../../src-main/node/node';
import { startRuntime, type NodeRuntime } from '../../src-main/node/runtime';
import { genesisFor, tempDir, testKey } from '../support/ledger';

const bls = defaultBls();
const fast = { N: 2 ** 10 };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serving(node: TrichainNode, log?: (l: string) => void): Promise<NodeRuntime> {
  const rt = await startRuntime(node, { peers: { listen: { host: '127.0.0.1', port: 0 }, remember: false }, consensus: { checkIntervalMs: 50 }, log });
  cleanup.push(() => rt.stop());
  return rt;
}

async function hospital(o: { found?: boolean } = {}): Promise<TrichainNode> {
  const dir = tempDir('engine-status-');
  const node = await TrichainNode.init(dir, { role: 'hospital', name: 'A', passphrase: 'engine-status-pass', scrypt: fast, ...(o.found ? { found: true, network: 'Valley' } : {}) });
  cleanup.push(() => {
    node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return node;
}

/** A genesis in which this node and one other validate `chain`; with CometBFT keys when `comet`. */
function pairGenesis(node: TrichainNode, chain: 'hospital' | 'patient', comet: boolean): Genesis {
  const me = { name: 'A', sk: node.identity.blsSecretKey, pk: node.identity.blsPublicKey, pop: node.identity.proofOfPossession(), x25519Sk: new Uint8Array(32), x25519Pk: node.identity.x25519PublicKey };
  const b = testKey(bls, 'B');
  const g = genesisFor(chain, [me, b], [{ ...me, role: 'hospital' }, { ...b, role: 'hospital' }]);
  if (comet) g.validators = g.validators.map((v, i) => ({ ...v, consensusKey: new Uint8Array(32).fill(i + 1) }));
  return g;
}

const closeServer = (s: Server) => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });

describe('what runs each chain, and what the operator must do', () => {
  it('a founder validates its chains alone: solo, certified to the head, no problem; /health says serving', async () => {
    const node = await hospital({ found: true });
    const rt = await serving(node);
    const s = rt.status();
    for (const c of ['patient', 'hospital', 'social'] as const) {
      expect(s.engines[c]).toMatchObject({ engine: 'solo', validator: true, height: node.ledger.height(c), certified: node.ledger.height(c) });
    }
    expect(s.problems).toEqual([]);
    const api = await startLocalApi(node, 0, () => rt.status());
    cleanup.push(() => closeServer(api.server));
    expect(await (await fetch(`${api.url}/health`)).json()).toMatchObject({ ok: true, value: { status: 'serving', problems: [] } });
  });

  it('a validator of a CometBFT chain started without CometBFT runs no engine there, says so once, and /health is degraded', async () => {
    const node = await hospital();
    node.ledger.initGenesis(pairGenesis(node, 'hospital', true));
    node.ledger.initGenesis(pairGenesis(node, 'patient', false));
    const logs: string[] = [];
    const rt = await serving(node, (l) => logs.push(l));
    await expect.poll(() => rt.engines!.engines.has('patient'), { timeout: 10_000 }).toBe(true);
    const s = rt.status();
    // the embedded pair runs Trichain's engine; the CometBFT pair is not attached to it
    expect(s.engines.patient).toMatchObject({ engine: 'embedded', validator: true });
    expect(rt.engines!.engines.has('hospital')).toBe(false);
    expect(s.engines.hospital).toMatchObject({ engine: 'follower', validator: true });
    expect(s.problems).toEqual([expect.stringMatching(/^hospital: .*runs on CometBFT.*trichain start --engine cometbft/)]);
    expect(logs.filter((l) => /hospital: its validators run CometBFT/.test(l))).toHaveLength(1);
    const api = await startLocalApi(node, 0, () => rt.status());
    cleanup.push(() => closeServer(api.server));
    const h = await fetch(`${api.url}/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ ok: true, value: { status: 'degraded', problems: s.problems } });
    const st = await fetch(`${api.url}/status`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(((await st.json()) as { value: { engines: Record<string, ChainEngineStatus> } }).value.engines.hospital.engine).toBe('follower');
  });

  it('names a CometBFT that is down (with its restarts, last exit and log) and certificates that stop arriving', async () => {
    const node = await hospital();
    const down: ChainEngineStatus = {
      engine: 'cometbft', validator: true, height: 40, certified: 38,
      cometbft: { running: false, pid: null, restarts: 3, lastExit: { time: Date.UTC(2026, 10, 30, 10, 0, 0), code: '1' }, log: '/srv/trichain/cometbft/hospital/cometbft.log', peers: 2 },
    };
    expect(engineProblems(node, { hospital: down })).toEqual(['hospital: CometBFT is not running (restarted 3 times, last exit 1 at 2026-11-30T10:00:00.000Z); its log: /srv/trichain/cometbft/hospital/cometbft.log']);
    // running, but certified two heights behind is CometBFT's normal; far behind is not
    expect(engineProblems(node, { hospital: { ...down, cometbft: { ...down.cometbft!, running: true, pid: 42 } } })).toEqual([]);
    expect(engineProblems(node, { patient: { engine: 'embedded', validator: true, height: 60, certified: 30 } })).toEqual(['patient: blocks 31–60 have no certificate yet: the other validators\' signatures are not arriving']);
    // a follower's certificates come with the blocks it fetches: nothing to say
    expect(engineProblems(node, { social: { engine: 'follower', validator: false, height: 60, certified: 30 } })).toEqual([]);
  });
});
