/**
 * `trichain package verify FILE --data ENTITY_DIR [--json]`: verifies a received package (the file
 * `trichain demo --walk` writes as OUT/package: the encrypted package with its cross-chain proof)
 * as the entity whose data folder is ENTITY_DIR, check by check: the request on its social chain,
 * the proof (trusted genesis, certificates, inclusion, consent, one aggregate signature),
 * decryption with its key, and every record against the attested Merkle root and the consent.
 * Exit 0 when every check holds; 5 naming the first failing check otherwise (a changed byte
 * anywhere in FILE fails); 2 for usage errors, 3 for a wrong passphrase.
 */
import { readFileSync } from 'node:fs';
import { verifyPackageAs } from '../../emr/share/entity';
import { decodePackageFile } from '../../emr/share/package';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'verify a received package as an entity: trichain package verify FILE --data ENTITY_DIR [--json]';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const [sub, file, ...rest] = positionals;
  if (sub !== 'verify' || !file || rest.length > 0) throw new CliError('usage: trichain package verify FILE --data ENTITY_DIR', 2);
  const dir = requireOpt(values.data, '--data ENTITY_DIR');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
  const node = await openNode(dir, io, { verify: false });
  try {
    if (node.config.role !== 'entity') throw new CliError(`${dir} is a ${node.config.role} node; packages are verified by the entity that received them`, 2);
    let result: ReturnType<typeof verifyPackageAs>;
    try {
      result = verifyPackageAs(node, decodePackageFile(bytes));
    } catch (e) {
      result = { ok: false, checks: [], failed: 'package file', reason: (e as Error).message };
    }
    if (values.json) io.out(JSON.stringify(result.ok ? { ok: true, checks: result.checks } : { ok: false, failed: result.failed, reason: result.reason, checks: result.checks }));
    else for (const c of result.checks) io.out(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    if (result.ok) return 0;
    io.err(`FAILED check "${result.failed}": ${result.reason}`);
    return 5;
  } finally {
    node.close();
  }
}
