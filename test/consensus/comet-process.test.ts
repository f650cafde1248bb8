/**
 * The CometBFT supervisor's log (src-main/consensus/cometbft/process.ts), with a stand-in binary
 * (no CometBFT needed): a process that writes a burst on SIGTERM and exits. stop() waits until its
 * output is read to the end, so close() after it loses nothing and never writes after the log's end
 * (a CI run crashed on "write after end" when stop() waited only for 'exit').
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CometProcess } from '../../src-main/consensus/cometbft/process';

const dir = mkdtempSync(join(tmpdir(), 'comet-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the supervised process and its log', () => {
  it('stop, then close: every line the process wrote while stopping is in the log, nothing thrown', async () => {
    const bin = join(dir, 'fake-cometbft');
    // Ready once it says so; on SIGTERM, 20,000 lines (≈ 190 KB, more than a pipe holds), then exit.
    writeFileSync(bin, "#!/bin/sh\ntrap 'seq 1 20000; exit 0' TERM\necho ready\nwhile true; do sleep 0.05; done\n");
    chmodSync(bin, 0o755);
    const events: string[] = [];
    const p = new CometProcess(bin, dir, (l) => events.push(l));
    p.start();
    const log = () => readFileSync(join(dir, 'cometbft.log'), 'utf8');
    await expect.poll(log, { timeout: 10_000 }).toContain('ready');
    await p.stop();
    await p.close();
    const lines = log().trim().split('\n');
    expect(lines.at(-1)).toBe('20000');
    expect(lines).toHaveLength(20_001);
    expect(events.filter((e) => / log: /.test(e))).toEqual([]);
  });
});

describe('the supervisor\'s state, for the operator\'s status', () => {
  it('counts a crash with its signal and time, restarts the process, and does not count a stop', async () => {
    const home = mkdtempSync(join(dir, 'state-'));
    const bin = join(home, 'fake-cometbft');
    writeFileSync(bin, "#!/bin/sh\necho up $$\nwhile true; do sleep 0.05; done\n");
    chmodSync(bin, 0o755);
    const p = new CometProcess(bin, home);
    expect(p.state()).toMatchObject({ running: false, pid: null, restarts: 0, lastExit: null, log: join(home, 'cometbft.log') });
    p.start();
    const first = p.state().pid;
    expect(first).toBeGreaterThan(0);
    const before = Date.now();
    p.crash();
    await expect.poll(() => p.state().restarts, { timeout: 10_000 }).toBe(1);
    expect(p.state().lastExit!.code).toBe('SIGKILL');
    expect(p.state().lastExit!.time).toBeGreaterThanOrEqual(before);
    await expect.poll(() => p.state().running && p.state().pid !== first, { timeout: 10_000 }).toBe(true);
    await p.stop();
    await p.close();
    expect(p.state()).toMatchObject({ running: false, pid: null, restarts: 1 });
  });
});
