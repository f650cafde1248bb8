/**
 * kill -9 of a node in the middle of catch-up sync, over real processes: on restart it keeps
 * what it had stored (every block verified, atomic), resumes from there and ends equal to its peer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cli, fixture, foundNetwork, invite, joinNetwork, startNode, statusJson, until, type NodeProc } from './helpers';

const BLOCKS = Number(process.env.TRICHAIN_NET_KILL_BLOCKS ?? 400);
const running: NodeProc[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop().catch(() => n.kill9())));
});

describe('kill -9 while syncing (multi-process)', () => {
  it(`resumes a ${BLOCKS}-block catch-up after kill -9 and ends equal`, async () => {
    const aDir = await foundNetwork('Alpha General');
    await fixture('submit.ts', [aDir, 'anchor', String(BLOCKS), '--each-block']);
    const a = await startNode(aDir, ['--listen', '127.0.0.1:0']);
    running.push(a);
    const sDir = await joinNetwork({ inviterDir: aDir, invite: await invite(aDir), role: 'hospital', name: 'Sync Clinic' });
    const target = (await a.status()).chains.hospital!;
    expect(target.height).toBe(BLOCKS + 1); // + the block registering S

    // Small batches so the stream is cut between and inside requests.
    const s = await startNode(sDir, ['--sync-batch', '50']);
    running.push(s);
    await s.waitLine(/^TRICHAIN_SYNC chain=hospital height=([1-9]\d*) target=\d+$/);
    await s.kill9();
    const mid = await statusJson(sDir); // opening verifies every stored block
    const stored = mid.chains.hospital!.height;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(target.height);

    const s2 = await startNode(sDir, ['--sync-batch', '50']);
    running.push(s2);
    const first = await s2.waitLine(/^TRICHAIN_SYNC chain=hospital height=(\d+) target=(\d+)$/);
    expect(Number(first[1])).toBeGreaterThan(stored); // resumed, did not start over
    await until('S equal to A', async () => (await s2.status()).chains.hospital?.head === target.head, 90_000);
    await s2.stop();
    const end = await statusJson(sDir);
    expect(end.chains.hospital).toMatchObject({ height: target.height, head: target.head });
    expect((await cli(['verify', '--data', sDir])).code).toBe(0);
  }, 120_000);
});
