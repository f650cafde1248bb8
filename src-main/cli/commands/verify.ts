import { TrichainNode } from '../../node/node';
import { parse, requireOpt } from '../args';
import type { CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'check every stored chain (hash links, Merkle roots, certificates, signatures); non-zero exit names the fault';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
  const dir = requireOpt(values.data, '--data DIR');
  const node: TrichainNode = await openNode(dir, io, { verify: false });
  try {
    const r = node.ledger.verifyStored({ signatures: true });
    if (values.json) io.out(JSON.stringify(r));
    if (r.ok) {
      if (!values.json) for (const [c, h] of Object.entries(r.heights)) io.out(`${c} chain: ${h} blocks verified`);
      return 0;
    }
    io.err(`FAULT: ${r.chain} chain at height ${r.height}: ${r.reason}`);
    return 4;
  } finally {
    node.close();
  }
}
