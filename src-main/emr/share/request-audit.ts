/**
 * A share request in the patient's own audit trail. An entity files it on the social chain under
 * the key the patient registered for that grantee (so nothing there links two entities' requests
 * to one patient), and a patient's laptop holds only the patient chain: the request would never
 * reach the patient's trail. One hospital writes it there, under the patient's key, naming the
 * entity: the patient chain's validator with the lowest key (any hospital could; one keeps the
 * trail free of copies). It reads the social chain's blocks from where it stopped (kept in `meta`),
 * so a request filed while it was down is written once it catches up.
 */
import { toHex } from '../../codec/hex';
import { getMember } from '../../ledger/rules/members';
import { ownerOfGranteeKey } from '../../ledger/rules/patient';
import type { ShareRequestBody } from '../../ledger/rules/social';
import type { TrichainNode } from '../../node/node';
import { mirrorAudit } from '../audit';

const CURSOR = 'audit-requests/social-height';
/** Social-chain blocks read per step at most (a node catching up on a long chain spreads the work over its next blocks). */
const BLOCKS_PER_STEP = 500;

/** Whether this node is the one that writes requests into patients' trails. */
export function writesRequestAudit(node: TrichainNode): boolean {
  if (node.config.role !== 'hospital' || !node.ledger.hasGenesis('patient') || !node.ledger.hasGenesis('social')) return false;
  const keys = node.ledger.validatorsAt('patient', node.ledger.height('patient') + 1).map((v) => toHex(v.blsPk)).sort();
  return keys[0] === node.publicKeyHex;
}

/** Nodes inside a step (writing an entry may commit a block, which runs the step again). */
const busy = new WeakSet<TrichainNode>();

/** Writes the share requests committed since the last step into their patients' trails; answers how many. */
export function auditShareRequests(node: TrichainNode): number {
  if (busy.has(node) || !writesRequestAudit(node)) return 0;
  busy.add(node);
  try {
    return auditFrom(node);
  } finally {
    busy.delete(node);
  }
}

function auditFrom(node: TrichainNode): number {
  const row = node.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CURSOR) as Buffer | undefined;
  const from = (row ? Number(Buffer.from(row).toString('utf8')) : 0) + 1;
  const to = Math.min(node.ledger.height('social'), from + BLOCKS_PER_STEP - 1);
  if (to < from) return 0;
  const patients = node.ledger.state('patient');
  const social = node.ledger.state('social');
  let n = 0;
  for (let h = from; h <= to; h++) {
    for (const tx of node.ledger.block('social', h)?.txs ?? []) {
      if (tx.type !== 'share.request') continue;
      const b = tx.body as unknown as ShareRequestBody;
      const owner = ownerOfGranteeKey(patients, b.patient);
      if (!owner) continue;
      const entityName = getMember(social, tx.author)?.name ?? 'an organization';
      if (mirrorAudit(node, owner, 'share.requested', { requestId: b.requestId, purpose: b.purpose, entity: toHex(tx.author), entityName })) n++;
    }
  }
  node.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(CURSOR, Buffer.from(String(to)));
  return n;
}
