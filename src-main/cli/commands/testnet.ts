/**
 * trichain testnet --engine cometbft|embedded --validators N --data DIR --txs M [--json] [--kill-one] [--app-processes]
 * A test network in one command (src-main/consensus/testnet/run.ts): N validators of one chain on
 * this machine, M signed transactions, one JSON line, and everything it started stopped again.
 * --app-processes (cometbft): each validator's ABCI application in a process of its own, as on
 * separate servers (otherwise all run in this process).
 */
import { resolve } from 'node:path';
import { cometbftBinary, MISSING_COMETBFT } from '../../consensus/cometbft/process';
import { runTestnet, type Engine } from '../../consensus/testnet/run';
import { defaultBls } from '../../crypto/bls';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';

export const summary = 'start N validators of one chain on this machine (--engine cometbft|embedded), commit M transactions, print one JSON line';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    engine: { type: 'string', default: 'embedded' },
    validators: { type: 'string', default: '4' },
    data: { type: 'string' },
    txs: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    'kill-one': { type: 'boolean', default: false },
    'app-processes': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  });
  const engine = values.engine as Engine;
  if (engine !== 'cometbft' && engine !== 'embedded') throw new CliError('--engine must be cometbft or embedded', 2);
  if (values['app-processes'] && engine !== 'cometbft') throw new CliError('--app-processes is for --engine cometbft', 2);
  const int = (s: string, flag: string) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`${flag} must be a non-negative integer`, 2);
    return n;
  };
  const dir = resolve(requireOpt(values.data, '--data DIR'));
  let binary: string | undefined;
  if (engine === 'cometbft') {
    binary = cometbftBinary(io.env as NodeJS.ProcessEnv) ?? undefined;
    if (!binary) throw new CliError(MISSING_COMETBFT, 3);
  }
  const r = await runTestnet({
    engine,
    validators: int(values.validators!, '--validators'),
    dir,
    txs: int(values.txs!, '--txs'),
    killOne: values['kill-one'],
    appProcesses: values['app-processes'],
    bls: defaultBls(),
    binary,
    log: values.verbose ? (l) => io.err(l) : undefined,
  });
  if (values.json) io.out(JSON.stringify(r));
  else {
    io.out(`${r.engine}: ${r.validators} validators committed ${r.committed}/${r.txs} transactions in ${r.seconds} s (${r.txPerSec} tx/s), height ${r.height}, ${r.certificateBytes}-byte certificates, forks ${r.forks}`);
    if (r.caughtUp !== undefined) io.out(`validator ${r.killed} was stopped half-way and restarted: ${r.caughtUp ? 'caught up' : 'DID NOT catch up'}`);
  }
  return r.forks === 0 && r.committed === r.txs && r.caughtUp !== false ? 0 : 1;
}
