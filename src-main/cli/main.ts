/**
 * `trichain` command dispatcher. Each sub-command lives in ./commands/<name>.ts and exports
 * `run(argv, io): Promise<number>` (the exit code) and `summary` (one line for --help).
 */
import { CliError, processIO, type CliIO } from './io';

export interface Command {
  summary: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  init: () => import('./commands/init'),
  start: () => import('./commands/start'),
  verify: () => import('./commands/verify'),
  status: () => import('./commands/status'),
  classify: () => import('./commands/classify'),
  invite: () => import('./commands/invite'),
  join: () => import('./commands/join'),
  admit: () => import('./commands/admit'),
  enrol: () => import('./commands/enrol'),
  'enrolment-request': () => import('./commands/enrolment-request'),
  demo: () => import('./commands/demo'),
  validators: () => import('./commands/validators'),
  package: () => import('./commands/package'),
  testnet: () => import('./commands/testnet'),
};

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out('usage: trichain <command> [options]\n');
    for (const [n, load] of Object.entries(commands)) {
      try {
        io.out(`  ${n.padEnd(10)} ${(await load()).summary}`);
      } catch {
        io.out(`  ${n.padEnd(10)} (unavailable)`);
      }
    }
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    io.err(`trichain: unknown command "${name}" (try: trichain --help)`);
    return 2;
  }
  try {
    return await (await load()).run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`trichain ${name}: ${e.message}`);
      return e.exitCode;
    }
    io.err(`trichain ${name}: ${(e as Error).message}`);
    return 1;
  }
}
