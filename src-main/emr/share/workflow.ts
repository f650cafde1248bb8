/**
 * The share workflow, driven by committed blocks (DESIGN.md §6, provider side): once a hospital
 * has released a share (emr/share/provider.ts processShareRequest), the next steps wait for the
 * chain, not for a person — the release commits, so the root is attested; the attestation
 * commits, so the package is published on the social chain (its consent re-checked first).
 * Each request committed is also written into its patient's audit trail (./request-audit.ts).
 * `driveShares` registers that step with the node's runtime, so it runs after every committed
 * block, wherever the block came from (this node's own commit, consensus, or catch-up from a peer).
 */
import type { NodeRuntime } from '../../node/runtime';
import { continueShares } from './provider';
import { auditShareRequests } from './request-audit';

/**
 * Makes `runtime`'s node advance its shares after each committed block (hospitals only: no other
 * node answers share requests). Shares left waiting before a restart advance at once.
 */
export function driveShares(runtime: NodeRuntime, log?: (line: string) => void): void {
  const node = runtime.node;
  if (node.config.role !== 'hospital') return;
  const step = () => {
    for (const { requestId, outcome } of continueShares(node)) log?.(`[shares] ${requestId}: ${outcome.status}`);
    auditShareRequests(node); // each request in its patient's trail (one hospital writes it)
  };
  runtime.onBlock(step);
  try {
    step();
  } catch (e) {
    log?.(`[shares] catching up: ${(e as Error).message}`);
  }
}
