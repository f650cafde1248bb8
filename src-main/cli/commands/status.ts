import { parse, requireOpt } from '../args';
import type { CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'identity and, per chain, height and head hash (--json for machines)';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
  const dir = requireOpt(values.data, '--data DIR');
  const node = await openNode(dir, io);
  try {
    const s = node.status();
    if (values.json) {
      io.out(JSON.stringify(s, null, 2));
      return 0;
    }
    io.out(`${s.identity.name} (${s.identity.role})  BLS ${s.identity.blsPublicKey.slice(0, 24)}…`);
    io.out(`network: ${s.network ?? '(none yet: join one with trichain join)'}`);
    for (const [c, v] of Object.entries(s.chains)) io.out(v ? `  ${c.padEnd(9)} height ${String(v.height).padStart(6)}  head ${v.head.slice(0, 16)}…  validators ${v.validators}` : `  ${c.padEnd(9)} (not replicated)`);
    io.out(`pending transactions: ${s.pending}`);
    return 0;
  } finally {
    node.close();
  }
}
