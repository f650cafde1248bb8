import { TrichainNode } from '../../node/node';
import { describeFault } from '../../ledger/verify';
import { parse, requireOpt } from '../args';
import type { CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'check every stored chain (blocks, certificates, signatures, the transaction index, the state against its certified root; a light chain: headers, certificates, own transactions\' inclusion proofs) and every blob; non-zero exit names each fault';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
  const dir = requireOpt(values.data, '--data DIR');
  const node: TrichainNode = await openNode(dir, io, { verify: false });
  try {
    const r = node.ledger.verifyStored({ signatures: true });
    const corruptBlobs = node.blobs.corrupt();
    if (values.json) io.out(JSON.stringify({ ...r, corruptBlobs }));
    if (r.ok && corruptBlobs.length === 0) {
      if (!values.json)
        for (const [c, h] of Object.entries(r.heights)) {
          const light = r.light?.[c as keyof typeof r.heights];
          io.out(
            light
              ? `${c} chain (light client): ${h} headers with quorum certificates, ${light.txs} own transactions with inclusion proofs, and the state they make verified (the headers' state roots cover the whole chain and are not recomputed)`
              : `${c} chain: ${h} blocks, transaction index and state verified`,
          );
        }
      return 0;
    }
    if (!r.ok) for (const f of r.faults) io.err(`FAULT: ${describeFault(f)}`);
    for (const hex of corruptBlobs) io.err(`FAULT: blob ${hex}: content does not match its hash (trichain start removes it and fetches it again from a peer)`);
    return 4;
  } finally {
    node.close();
  }
}
