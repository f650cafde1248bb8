/**
 * A consortium founded for real on CometBFT, between `trichain` processes (issue 12, item 4):
 *   - A founds with `trichain init --engine cometbft` (its CometBFT key in the genesis validator sets)
 *     and runs `trichain start --engine cometbft`: alone, it certifies its first blocks itself;
 *   - B joins by invite and is admitted; its `trichain start --engine cometbft` prints its CometBFT
 *     key; no cometbft.json is written: each node's CometBFT node ID and P2P addresses ride in its
 *     signed peer ad, and each validator's persistent peers are the others' (node/comet-peers.ts);
 *   - `trichain validators add B --consensus-key KEY` on A: at the change's height each chain is
 *     handed to CometBFT (its genesis starts at that height, app hash the block before), one
 *     supervised `cometbft` per chain on each server;
 *   - a transaction queued at B commits on both; the blocks from the handover on carry certificates
 *     from vote extensions (DECIDED_ROUND), the founder's blocks before it its own; both stores
 *     verify and hold the same blocks;
 *   - a third validator C is added to the chains already running on CometBFT (A and B sign the
 *     change): A and B learn C's CometBFT peer from its ad and restart theirs with it, C catches up
 *     over HTTPS and CometBFT replays the blocks since the handover; every certificate from the
 *     change on is signed by all three (a quorum of three is three), a transaction queued at C commits;
 *   - C is removed again (all three sign): A and B drop it from their peers and go on, every
 *     certificate from the removal on signed by the two; C stops its CometBFT and follows over HTTPS;
 *   - C is added back: it restarts CometBFT from the homes it kept (blocks up to its removal; its
 *     ledger has followed since), catches up the gap, its transactions commit, and every certificate
 *     from its return on is signed by all three again.
 * Needs the CometBFT binary (`npm run cometbft`, run by .ci/run); skipped with the reason otherwise.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cometbftBinary, MISSING_COMETBFT } from '../../src-main/consensus/cometbft/process';
import { bitmapIndices, DECIDED_ROUND, isPendingCertificate } from '../../src-main/ledger/certificate';
import { blockHash } from '../../src-main/ledger/encoding';
import { TrichainNode } from '../../src-main/node/node';
import { bytesEqual } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';
import { decodeBindingString } from '../../src-main/net/binding';
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

/** Waits until every chain is at least 3 blocks past `heights[chain]` on each node (its block certified two heights later). */
const certifiedPast = (what: string, nodes: NodeProc[], heights: Record<string, number>, ms = 180_000) =>
  until(`each chain certified past ${what}`, async () => {
    const hs = await Promise.all(nodes.map((n) => n.heights()));
    return CHAINS.every((ch) => hs.every((h) => h[ch] >= heights[ch] + 3));
  }, ms);

describe.skipIf(!BIN)('a CometBFT consortium founded with trichain init --engine cometbft', () => {
  it('hands each chain from the founder to CometBFT when a validator is added; blocks commit on both with vote-extension certificates', async () => {
    const aDir = join(tempDir('trichain-comet-a-'), 'node');
    dirs.push(dirname(aDir));
    await cli(['init', '--data', aDir, '--role', 'hospital', '--name', 'A Hospital', '--engine', 'cometbft']);
    const a = await startNode(aDir, ['--engine', 'cometbft']);
    running.push(a);
    const keyA = await a.waitLine(/^TRICHAIN_COMETBFT_KEY key=(\S+) node=([0-9a-f]{40})$/);
    /** init --join, join by A's invite, admitted by A, started with --engine cometbft: a member on every chain. */
    const joiner = async (name: string) => {
      const dir = join(tempDir(`trichain-comet-${name}-`), 'node');
      dirs.push(dirname(dir));
      await cli(['init', '--data', dir, '--role', 'hospital', '--name', `${name} Hospital`, '--join']);
      const line = (await cli(['join', await invite(aDir), '--data', dir])).out.trim().split('\n').pop()!;
      expect(line.startsWith('trichain-peer:')).toBe(true);
      // beside A's running producer a write may meet "database is locked": admit is idempotent
      await until(`${name} admitted`, async () => (await cli(['admit', line, '--data', aDir], { allowFail: true })).code === 0, 60_000, 200);
      const n = await startNode(dir, ['--engine', 'cometbft']);
      running.push(n);
      const key = await n.waitLine(/^TRICHAIN_COMETBFT_KEY key=(\S+) node=([0-9a-f]{40})$/);
      await until(`${name} holds the three chains`, async () => { const h = await n.heights(); return CHAINS.every((c) => h[c] > 0); }, 60_000);
      return { dir, line, n, key };
    };
    const b0 = await joiner('B');
    const { n: b, key: keyB } = b0;

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
    await certifiedPast('its handover on both', [a, b], effective, 120_000);
    // what the operator sees: `trichain status` asks the running node what runs each chain
    for (const d of [aDir, b0.dir]) {
      const st = JSON.parse((await cli(['status', '--data', d, '--json'])).out) as { running: boolean; engines: Record<string, { engine: string; validator: boolean; cometbft?: { running: boolean; peers: number } }>; problems: string[] };
      expect(st.running).toBe(true);
      for (const ch of CHAINS) expect(st.engines[ch]).toMatchObject({ engine: 'cometbft', validator: true, cometbft: { running: true, peers: 1 } });
      expect(st.problems).toEqual([]);
    }
    // no file named the peers: each learnt the other's CometBFT node from its signed ad
    for (const d of [aDir, b0.dir]) expect(existsSync(join(d, 'cometbft', 'cometbft.json'))).toBe(false);
    expect(keyA[2]).not.toBe(keyB[2]);

    // a third validator, added to chains already running on CometBFT: a quorum of A and B signs
    const c0 = await joiner('C');
    const file = join(dirname(c0.dir), 'change.json');
    // propose, sign and submit are three CLI runs while the chains make 2-3 blocks a second: the
    // change must be included before its effective height, so leave room for a loaded machine
    const propose = await cli(['validators', 'add', c0.line, '--data', aDir, '--consensus-key', c0.key[1], '--effective-in', '50', '--out', file]);
    expect(propose.out).toMatch(/quorum=no/);
    expect((await cli(['validators', 'sign', file, '--data', b0.dir])).out).toMatch(/quorum=yes/);
    const sub = await cli(['validators', 'submit', file, '--data', aDir]);
    const grown = Object.fromEntries([...sub.out.matchAll(/TRICHAIN_VALIDATOR_SUBMITTED chain=(\w+) effective=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(grown).sort()).toEqual([...CHAINS].sort());
    for (const ch of CHAINS) await c0.n.waitLine(new RegExp(`^TRICHAIN_COMETBFT chain=${ch} `), 180_000);
    const idsC = (JSON.parse((await fixture('../../consensus/fixtures/submit.ts', [c0.dir, 'anchor', '2'])).out.trim().split('\n').pop()!) as { ids: string[] }).ids;
    await until('C\'s transactions committed', async () => (await c0.n.outbox()).filter((e) => idsC.includes(e.id) && e.status === 'committed').length === 2, 180_000);
    await certifiedPast('the third validator\'s arrival on all three', [a, b, c0.n], grown);

    // removed again: a quorum of three is three, so each signs; A and B go on as two
    const file2 = join(dirname(c0.dir), 'remove.json');
    const cPk = toHex(decodeBindingString(c0.line).statement.blsPk);
    expect((await cli(['validators', 'remove', cPk, '--data', aDir, '--effective-in', '50', '--out', file2])).out).toMatch(/quorum=no/);
    expect((await cli(['validators', 'sign', file2, '--data', b0.dir])).out).toMatch(/quorum=no/);
    expect((await cli(['validators', 'sign', file2, '--data', c0.dir])).out).toMatch(/quorum=yes/);
    const sub2 = await cli(['validators', 'submit', file2, '--data', aDir]);
    const shrunk = Object.fromEntries([...sub2.out.matchAll(/TRICHAIN_VALIDATOR_SUBMITTED chain=(\w+) effective=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(shrunk).sort()).toEqual([...CHAINS].sort());
    await certifiedPast('the removal on A and B', [a, b], shrunk);
    // C's own CometBFT stops once the removal is in force there; the chains go on over HTTPS
    for (const ch of CHAINS) await c0.n.waitLine(new RegExp(`^TRICHAIN_COMETBFT_STOPPED chain=${ch}$`), 60_000);
    await until('C follows over HTTPS', async () => (await c0.n.heights()).hospital >= shrunk.hospital + 3, 60_000);
    const cs = JSON.parse((await cli(['status', '--data', c0.dir, '--json'])).out) as { engines: Record<string, { engine: string; validator: boolean }>; problems: string[] };
    for (const ch of CHAINS) expect(cs.engines[ch]).toMatchObject({ engine: 'follower', validator: false });
    expect(cs.problems).toEqual([]);

    // added back: C's CometBFT homes still hold the blocks up to its removal, its ledger the ones it
    // followed over HTTPS since; it restarts CometBFT from where it stopped and signs again
    const file3 = join(dirname(c0.dir), 'readd.json');
    expect((await cli(['validators', 'add', c0.line, '--data', aDir, '--consensus-key', c0.key[1], '--effective-in', '50', '--out', file3])).out).toMatch(/quorum=no/);
    expect((await cli(['validators', 'sign', file3, '--data', b0.dir])).out).toMatch(/quorum=yes/);
    const sub3 = await cli(['validators', 'submit', file3, '--data', aDir]);
    const regrown = Object.fromEntries([...sub3.out.matchAll(/TRICHAIN_VALIDATOR_SUBMITTED chain=(\w+) effective=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(regrown).sort()).toEqual([...CHAINS].sort());
    const starts = (ch: string) => c0.n.lines.filter((l) => l.startsWith(`TRICHAIN_COMETBFT chain=${ch} `)).length;
    await until('C restarts CometBFT on each chain', async () => CHAINS.every((ch) => starts(ch) === 2), 180_000);
    const idsC2 = (JSON.parse((await fixture('../../consensus/fixtures/submit.ts', [c0.dir, 'anchor', '2'])).out.trim().split('\n').pop()!) as { ids: string[] }).ids;
    await until('C\'s transactions after its return committed', async () => (await c0.n.outbox()).filter((e) => idsC2.includes(e.id) && e.status === 'committed').length === 2, 180_000);
    await certifiedPast('C\'s return on all three', [a, b, c0.n], regrown);
    await Promise.all([a.stop(), b.stop(), c0.n.stop()]);

    const [na, nb, nc] = await Promise.all([aDir, b0.dir, c0.dir].map((d) => TrichainNode.open(d, { passphrase: PASS })));
    try {
      for (const n of [na, nb, nc]) expect(n.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
      for (const ch of CHAINS) {
        const top = Math.min(...[na, nb, nc].map((n) => n.ledger.certifiedHeight(ch)));
        expect(top, `${ch}: certified past the change`).toBeGreaterThanOrEqual(grown[ch]);
        expect(na.ledger.validatorsAt(ch, grown[ch]).length).toBe(3);
        expect(na.ledger.validatorsAt(ch, shrunk[ch]).length).toBe(2);
        for (let h = grown[ch]; h <= Math.min(top, shrunk[ch] - 1); h++) {
          const cert = nc.ledger.block(ch, h)!.cert;
          expect(cert.round, `${ch} ${h}: certified by vote extensions`).toBe(DECIDED_ROUND);
          expect(bitmapIndices(cert.signers, 3), `${ch} ${h}: signed by all three`).toEqual([0, 1, 2]);
          expect(bytesEqual(blockHash(nc.ledger.block(ch, h)!.header), blockHash(na.ledger.block(ch, h)!.header))).toBe(true);
        }
        const top2 = Math.min(na.ledger.certifiedHeight(ch), nb.ledger.certifiedHeight(ch));
        expect(top2, `${ch}: certified past the removal`).toBeGreaterThanOrEqual(shrunk[ch] + 1);
        for (let h = shrunk[ch]; h <= Math.min(top2, regrown[ch] - 1); h++) {
          const cert = na.ledger.block(ch, h)!.cert;
          expect(cert.round).toBe(DECIDED_ROUND);
          expect(bitmapIndices(cert.signers, 2), `${ch} ${h}: signed by the two left`).toEqual([0, 1]);
        }
        // from C's return: all three again, the same blocks on C as on A
        const top3 = Math.min(...[na, nb, nc].map((n) => n.ledger.certifiedHeight(ch)));
        expect(top3, `${ch}: certified past C's return`).toBeGreaterThanOrEqual(regrown[ch] + 1);
        expect(na.ledger.validatorsAt(ch, regrown[ch]).length).toBe(3);
        for (let h = regrown[ch]; h <= top3; h++) {
          const cert = nc.ledger.block(ch, h)!.cert;
          expect(cert.round).toBe(DECIDED_ROUND);
          expect(bitmapIndices(cert.signers, 3), `${ch} ${h}: signed by all three again`).toEqual([0, 1, 2]);
          expect(bytesEqual(blockHash(nc.ledger.block(ch, h)!.header), blockHash(na.ledger.block(ch, h)!.header))).toBe(true);
        }
      }
      expect(na.ledger.txLocation('hospital', Buffer.from(idsC[0], 'hex'))).not.toBeNull();
      expect(nb.ledger.txLocation('hospital', Buffer.from(idsC2[0], 'hex'))).not.toBeNull();
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
      nc.close();
    }
  }, 900_000);
});
