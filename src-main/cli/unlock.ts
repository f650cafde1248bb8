/** Opens the node in --data with the passphrase from TRICHAIN_PASSPHRASE or a prompt. */
import { KeystoreError } from '../crypto/identity';
import { TrichainNode } from '../node/node';
import { CliError, type CliIO } from './io';

export async function openNode(dir: string, io: CliIO, opts: { verify?: boolean } = {}): Promise<TrichainNode> {
  const passphrase = await io.passphrase(`Passphrase for ${dir}: `);
  try {
    return await TrichainNode.open(dir, { passphrase, verify: opts.verify });
  } catch (e) {
    if (e instanceof KeystoreError) throw new CliError(e.message, 3);
    throw new CliError((e as Error).message, 1);
  }
}
