/** What a CLI command may touch: its streams and environment, injectable so tests run commands in-process. */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** Reads a passphrase: TRICHAIN_PASSPHRASE, else the file TRICHAIN_PASSPHRASE_FILE names, else a prompt on the terminal. */
  passphrase(prompt: string): Promise<string>;
  /** Reads another secret (a recovery phrase): the environment variable `env` if set, otherwise a muted prompt. */
  secret?(prompt: string, env: string): Promise<string>;
}

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export function processIO(): CliIO {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
    passphrase(prompt) {
      return readSecret(prompt, 'TRICHAIN_PASSPHRASE', 'passphrase');
    },
    secret(prompt, env) {
      return readSecret(prompt, env, 'secret');
    },
  };
}

/**
 * A secret from the environment variable `env`, else from the file named by `env`_FILE (a systemd
 * credential or container secret; one trailing newline dropped), else a muted prompt on a terminal.
 */
async function readSecret(prompt: string, env: string, what: string): Promise<string> {
  const fromEnv = process.env[env];
  if (fromEnv !== undefined) return fromEnv;
  const file = process.env[`${env}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new CliError(`cannot read the ${what} from ${env}_FILE (${file}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
    }
  }
  if (!process.stdin.isTTY) throw new CliError(`no ${what}: set ${env} or ${env}_FILE, or run in a terminal`, 2);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Mute echo while the secret is typed.
  const w = (rl as unknown as { _writeToOutput: (s: string) => void });
  process.stderr.write(prompt);
  w._writeToOutput = () => {};
  const answer = await new Promise<string>((r) => rl.question('', r));
  rl.close();
  process.stderr.write('\n');
  return answer;
}
