/**
 * `trichain testnet` for both engines (src-main/cli/commands/testnet.ts): N validators of one chain,
 * M signed transactions, one JSON line with every transaction committed and no fork; with
 * --kill-one the stopped validator catches up. The CometBFT half needs the binary (npm run cometbft)
 * and reports itself skipped with that reason where it is absent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src-main/cli/main';
import { cometbftBinary, MISSING_COMETBFT } from '../../src-main/consensus/cometbft/process';

const BIN = cometbftBinary();
if (!BIN) console.warn(`[testnet.test] CometBFT half skipped: ${MISSING_COMETBFT}`);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function testnet(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'trichain-testnet-'));
  dirs.push(dir);
  const code = await main(['testnet', '--data', dir, '--json', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: process.env, passphrase: async () => '' });
  return { code, out, err };
}

const KEYS = ['engine', 'validators', 'txs', 'committed', 'seconds', 'txPerSec', 'height', 'certificateBytes', 'forks'];

describe('trichain testnet', () => {
  it('embedded, with one validator stopped half-way and restarted: all committed, no fork, caught up', async () => {
    const r = await testnet(['--engine', 'embedded', '--validators', '4', '--txs', '60', '--kill-one']);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const j = JSON.parse(r.out[0]);
    for (const k of KEYS) expect(j).toHaveProperty(k);
    expect(j).toMatchObject({ engine: 'embedded', validators: 4, txs: 60, committed: 60, certificateBytes: 96, forks: 0, killed: 3, caughtUp: true });
    expect(j.txPerSec).toBeGreaterThan(0);
  }, 180_000);

  it.skipIf(!BIN)('cometbft: all committed with 96-byte certificates, no fork', async () => {
    const r = await testnet(['--engine', 'cometbft', '--validators', '4', '--txs', '60']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const j = JSON.parse(r.out[0]);
    expect(j).toMatchObject({ engine: 'cometbft', validators: 4, txs: 60, committed: 60, certificateBytes: 96, forks: 0 });
    expect(j.height).toBeGreaterThan(2);
  }, 180_000);

  it('refuses bad arguments with a clear message', async () => {
    const r = await testnet(['--engine', 'paxos']);
    expect(r.code).toBe(2);
    expect(r.err.join(' ')).toMatch(/--engine must be cometbft or embedded/);
    const k = await testnet(['--engine', 'embedded', '--validators', '2', '--kill-one', '--txs', '1']);
    expect(k.code).not.toBe(0);
    expect(k.err.join(' ')).toMatch(/at least 4 validators/);
  });
});
