/**
 * What runs each chain on this node, for hospital IT's monitoring (`trichain status`, the local
 * API's /status and /health): which engine, whether this node validates it, how far it is certified,
 * and for CometBFT the supervised process (running, restarts, last crash, its log). Problems an
 * operator must act on are named in words; /health reports the node `degraded` while there are any.
 */
import { isCometSet } from '../consensus/cometbft/validators';
import type { CometProcessState } from '../consensus/cometbft/process';
import type { ChainId } from '../ledger/types';
import type { TrichainNode } from './node';
import { isValidator } from './validators';

/**
 * solo: this node validates the chain alone (it makes and certifies each block itself);
 * embedded: Trichain's own consensus engine with the other validators;
 * cometbft: a supervised CometBFT;
 * follower: blocks come from peers over HTTPS (not a validator, or none of the above runs).
 */
export type EngineKind = 'solo' | 'embedded' | 'cometbft' | 'follower';

export interface ChainEngineStatus {
  engine: EngineKind;
  /** In the validator set for the next height. */
  validator: boolean;
  height: number;
  /** The last block whose certificate is here (CometBFT certifies a block two heights later). */
  certified: number;
  cometbft?: CometProcessState & { peers: number };
}

/** Blocks without a certificate beyond which a running chain's certificates are said not to arrive. */
export const CERTIFICATE_LAG = 10;

export function engineStatus(
  node: TrichainNode,
  running: { embedded(chain: ChainId): boolean; cometbft(chain: ChainId): (CometProcessState & { peers: number }) | undefined },
): Partial<Record<ChainId, ChainEngineStatus>> {
  const out: Partial<Record<ChainId, ChainEngineStatus>> = {};
  for (const chain of node.chains()) {
    const height = node.ledger.height(chain);
    const vs = node.ledger.validatorsAt(chain, height + 1);
    const validator = isValidator(vs, node.identity.blsPublicKey);
    const comet = running.cometbft(chain);
    const engine: EngineKind = comet ? 'cometbft' : node.isSoloValidator(chain) ? 'solo' : running.embedded(chain) ? 'embedded' : 'follower';
    out[chain] = { engine, validator, height, certified: node.ledger.certifiedHeight(chain), ...(comet ? { cometbft: comet } : {}) };
  }
  return out;
}

/** What an operator must act on, one sentence each (empty when all is well). */
export function engineProblems(node: TrichainNode, s: Partial<Record<ChainId, ChainEngineStatus>>): string[] {
  const problems: string[] = [];
  for (const [chain, e] of Object.entries(s) as [ChainId, ChainEngineStatus][]) {
    if (e.cometbft && !e.cometbft.running) {
      const last = e.cometbft.lastExit ? `, last exit ${e.cometbft.lastExit.code} at ${new Date(e.cometbft.lastExit.time).toISOString()}` : '';
      problems.push(`${chain}: CometBFT is not running (restarted ${e.cometbft.restarts} times${last}); its log: ${e.cometbft.log}`);
    }
    if (e.validator && e.engine === 'follower') {
      const comet = isCometSet(node.ledger.validatorsAt(chain, e.height + 1));
      problems.push(
        comet
          ? `${chain}: this node is a validator of a chain that runs on CometBFT, but no CometBFT runs here: start it with \`trichain start --engine cometbft\``
          : `${chain}: this node is a validator of the chain, but no consensus engine runs here: start it with \`trichain start\``,
      );
    }
    if (e.engine !== 'follower' && e.height - e.certified > CERTIFICATE_LAG) {
      problems.push(`${chain}: blocks ${e.certified + 1}–${e.height} have no certificate yet: the other validators' signatures are not arriving`);
    }
  }
  return problems;
}
