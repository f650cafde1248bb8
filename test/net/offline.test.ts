/**
 * Offline-first, over real processes: a joined hospital workstation W (not a validator) loses
 * its validator A, signs transactions anyway (pending, shown by `trichain status`), keeps them
 * across its own restart, relays them when A is back, and each commits exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, foundNetwork, invite, joinNetwork, startNode, statusJson, until, type NodeProc } from './helpers';

const running: NodeProc[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop().catch(() => n.kill9())));
});

describe('offline-first relay (multi-process)', () => {
  it('queues while cut off, survives a restart, relays on reconnect, commits each transaction once', async () => {
    const aDir = await foundNetwork('Alpha General');
    const a = await startNode(aDir, ['--listen', '127.0.0.1:0']);
    running.push(a);
    const wDir = await joinNetwork({ inviterDir: aDir, invite: await invite(aDir), role: 'hospital', name: 'Ward Workstation' });
    const w = await startNode(wDir, ['--resubmit-after', '300']);
    running.push(w);
    const aHeight = (await a.status()).chains.hospital!.height;
    await until('W synced the hospital chain', async () => (await w.status()).chains.hospital?.height === aHeight);

    await a.stop(); // the validator is gone
    const sub = JSON.parse((await fixture('submit.ts', [wDir, 'anchor', '6'])).out) as { ids: string[]; pending: number };
    expect(sub.ids).toHaveLength(6);
    // W's relay finds no validator: still pending, as the CLI shows.
    await w.waitLine(/^TRICHAIN_RELAY id=\S+ chain=hospital outcome=unreachable/);
    expect((await statusJson(wDir)).pending).toBe(6);

    await w.stop();
    expect((await statusJson(wDir)).pending).toBe(6); // the outbox survives the restart
    const w2 = await startNode(wDir, ['--resubmit-after', '300']);
    running.push(w2);
    expect((await w2.status()).pending).toBe(6);

    const a2 = await startNode(aDir); // comes back on the address W pinned (node.json listen)
    running.push(a2);
    expect(a2.peer).toBe(a.peer);
    await until(
      'W outbox all committed',
      async () => {
        const ob = await w2.outbox();
        return ob.length === 6 && ob.every((e) => e.status === 'committed');
      },
      60_000,
    );
    const aS = await a2.status();
    await until('W has A`s head', async () => (await w2.status()).chains.hospital?.head === aS.chains.hospital!.head);
    expect(w2.lines.some((l) => /outcome=rejected/.test(l))).toBe(false);
    expect(w2.lines.filter((l) => /outcome=submitted/.test(l)).length).toBeGreaterThanOrEqual(6);

    await Promise.all([w2.stop(), a2.stop()]);
    for (const dir of [aDir, wDir]) {
      const { counts } = JSON.parse((await fixture('txcount.ts', [dir, 'hospital', ...sub.ids])).out) as { counts: Record<string, number> };
      expect(Object.values(counts)).toEqual([1, 1, 1, 1, 1, 1]);
    }
    const ws = await statusJson(wDir);
    expect(ws.pending).toBe(0);
  }, 120_000);
});
