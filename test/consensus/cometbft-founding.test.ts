/**
 * A consortium founded for real on CometBFT, between `trichain` processes (issue 12, item 4):
 *   - A founds with `trichain init --engine cometbft` (its CometBFT key in the genesis validator sets)
 *     and runs `trichain start --engine cometbft`: alone, it certifies its first blocks itself;
 *   - B joins by invite and is admitted; its `trichain start --engine cometbft` prints its CometBFT
 *     key and node ID; each operator lists the other's node ID in DIR/cometbft/cometbft.json;
 *   - `trichain validators add B --consensus-key KEY` on A: at the change's height each chain is
 *     handed to CometBFT (its genesis starts at that height, app hash the block before), one
 *     supervised `cometbft` per chain on each server;
 *   - a transaction queued at B commits on both; the blocks from the handover on carry certificates
 *     from vote extensions (DECIDED_ROUND), the founder's blocks before it its own; both stores
 *     verify and hold the same blocks.
 * Needs the CometBFT binary (`npm run cometbft`, run by .ci/run); skipped with the reason otherwise.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src-main/consensus/cometbft/network';
import { cometbftBinary, MISSING_COMETBFT } from '../../src-main/consensus/cometbft/process';
import { DECIDED_ROUND, isPendingCertificate } from '../../src-main/ledger/certificate';
import { blockHash } from '../../src-main/ledger/encoding';
import { TrichainNode } from '../../src-main/node/node';
import { bytesEqual } from '../../src-main/codec/canonical';
import { cli, fixture, invite, PASS, startNode, tempDir, until, type NodeProc } from '../net/helpers';

const BIN = cometbftBinary();
if (!BIN) console.warn(`[cometbft-founding.test] skipped: ${MISSING_COMETBFT}`);
const CHAINS = ['patient', 'hospital', 'social'] as const;
const running: NodeProc[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stopWithin(20_000)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!BIN)('a CometBFT consortium founded with trichain init --engine cometbft', () => {
  it('hands each chain from the founder to CometBFT when a validator is added; blocks commit on both with vote-extension certificates', async () => {
    const aDir = join(tempDir('trichain-comet-a-'), 'node');
    dirs.push(dirname(aDir));
    await cli(['init', '--data', aDir, '--role', 'hospital', '--name', 'A Hospital', '--engine', 'cometbft']);
    const a = await startNode(aDir, ['--engine', 'cometbft']);
    running.push(a);
    const keyA = await a.waitLine(/^TRICHAIN_COMETBFT_KEY key=(\S+) node=([0-9a-f]{40})$/);
    const b0 = { dir: join(tempDir('trichain-comet-b-'), 'node'), line: '' };
    dirs.push(dirname(b0.dir));
    await cli(['init', '--data', b0.dir, '--role', 'hospital', '--name', 'B Hospital', '--join']);
    b0.line = (await cli(['join', await invite(aDir), '--data', b0.dir])).out.trim().split('\n').pop()!;
    expect(b0.line.startsWith('trichain-peer:')).toBe(true);
    // beside A's running producer a write may meet "database is locked": admit is idempotent
    await until('B admitted', async () => (await cli(['admit', b0.line, '--data', aDir], { allowFail: true })).code === 0, 60_000, 200);
    const b = await startNode(b0.dir, ['--engine', 'cometbft']);
    running.push(b);
    const keyB = await b.waitLine(/^TRICHAIN_COMETBFT_KEY key=(\S+) node=([0-9a-f]{40})$/);
    // each server's CometBFT ports, and the other's node as its persistent peer, per chain
    const ports = { a: {} as Record<string, number>, b: {} as Record<string, number> };
    for (const c of CHAINS) for (const x of ['a', 'b'] as const) ports[x][c] = await freePort();
    const settings = async (own: 'a' | 'b', peerId: string, peer: 'a' | 'b') =>
      Object.fromEntries(await Promise.all(CHAINS.map(async (c) => [c, { p2p: ports[own][c], rpc: await freePort(), peers: [`${peerId}@127.0.0.1:${ports[peer][c]}`] }])));
    writeFileSync(join(aDir, 'cometbft', 'cometbft.json'), JSON.stringify(await settings('a', keyB[2], 'b')));
    writeFileSync(join(b0.dir, 'cometbft', 'cometbft.json'), JSON.stringify(await settings('b', keyA[2], 'a')));
    // B is a member on every chain (admitted) before it becomes a validator
    await until('B holds the three chains', async () => { const h = await b.heights(); return CHAINS.every((c) => h[c] > 0); }, 60_000);

    const add = await cli(['validators', 'add', b0.line, '--data', aDir, '--consensus-key', keyB[1]]);
    expect(add.out).toMatch(/quorum=yes/);
    const effective = Object.fromEntries([...add.out.matchAll(/TRICHAIN_VALIDATOR_SUBMITTED chain=(\w+) effective=(\d+) status=committed/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(effective).sort()).toEqual([...CHAINS].sort());
    for (const n of [a, b]) for (const c of CHAINS) await n.waitLine(new RegExp(`^TRICHAIN_COMETBFT chain=${c} `), 120_000);

    const ids = (JSON.parse((await fixture('../../consensus/fixtures/submit.ts', [b0.dir, 'anchor', '3'])).out.trim().split('\n').pop()!) as { ids: string[] }).ids;
    await until('B\'s transactions committed', async () => (await b.outbox()).filter((e) => ids.includes(e.id) && e.status === 'committed').length === 3, 180_000);
    const target = (await b.heights()).hospital + 2; // their block, certified two heights later
    await until('A certified them too', async () => (await a.heights()).hospital >= target + 1, 120_000);
    // every chain past its handover: block E is certified once E + 2 is committed
    await until('each chain certified past its handover on both', async () => {
      const [ha, hb] = [await a.heights(), await b.heights()];
      return CHAINS.every((c) => ha[c] >= effective[c] + 3 && hb[c] >= effective[c] + 3);
    }, 120_000);
    await Promise.all([a.stop(), b.stop()]);

    const [na, nb] = await Promise.all([TrichainNode.open(aDir, { passphrase: PASS }), TrichainNode.open(b0.dir, { passphrase: PASS })]);
    try {
      for (const n of [na, nb]) expect(n.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
      for (const c of CHAINS) {
        const top = Math.min(na.ledger.certifiedHeight(c), nb.ledger.certifiedHeight(c));
        const rounds = Array.from({ length: top }, (_, i) => na.ledger.block(c, i + 1)!.cert.round);
        const start = rounds.indexOf(DECIDED_ROUND) + 1;
        expect(start, `${c}: CometBFT took over at the change's height`).toBe(effective[c]);
        expect(rounds.slice(start - 1).every((r) => r === DECIDED_ROUND), `${c}: every block from the handover certified by vote extensions`).toBe(true);
        for (let h = 1; h <= top; h++) {
          expect(bytesEqual(blockHash(na.ledger.block(c, h)!.header), blockHash(nb.ledger.block(c, h)!.header)), `${c} ${h}: same block on A and B`).toBe(true);
          expect(isPendingCertificate(na.ledger.block(c, h)!.cert)).toBe(false);
        }
        expect(na.ledger.validatorsAt(c, start).length).toBe(2);
      }
      const located = nb.ledger.txLocation('hospital', Buffer.from(ids[0], 'hex'));
      expect(located).not.toBeNull();
    } finally {
      na.close();
      nb.close();
    }
  }, 480_000);
});
