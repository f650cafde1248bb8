/**
 * The demo's quorum (issue 10 item 4): the hospital and social chains are validated by four
 * hospitals, so that every block certificate aggregates several signers and a trainer can stop one
 * validator and show the chains still commit (3 of 4 signers) and catch up when it returns.
 *
 *   St Mary Hospital, Riverside Clinic   the demo's two hospitals (patients, clinicians)
 *   Northside Hospital, Lakeside Hospital  two small member hospitals that only validate
 *
 * Why hospitals: the hospital chain holds record anchors and wrapped keys, which outside
 * organizations never replicate (net/acl.ts), so its validators must be hospitals; the social chain
 * is validated by the same four so that no single party decides what an insurer or a research
 * institute sees. The patient chain stays with St Mary alone in the demo (one consensus engine less
 * per node on a trainer's laptop); a real consortium grows it the same way (`trichain validators`).
 *
 * The consortium is built with St Mary as the only validator (imports are fast without consensus
 * rounds); the set grows at the end of the first run, certified by St Mary alone (the set in force).
 */
import { bitmapIndices } from '../ledger/certificate';
import type { ChainId } from '../ledger/types';
import type { ValidatorEnginesOptions } from '../consensus/app';
import { scaledTimeouts } from '../consensus/app';
import type { TrichainNode } from '../node/node';
import { proposeChange, submitChange, validatorFromPeerLine } from '../node/validators';

export type DemoValidator = 'northside' | 'lakeside';

export const DEMO_VALIDATORS: Readonly<Record<DemoValidator, { name: string; dir: string }>> = Object.freeze({
  northside: { name: 'Northside Hospital', dir: 'northside' },
  lakeside: { name: 'Lakeside Hospital', dir: 'lakeside' },
});
export const DEMO_VALIDATOR_ORDER: readonly DemoValidator[] = Object.freeze(['northside', 'lakeside'] as const);

/** The chains four hospitals validate in the demo. */
export const QUORUM_CHAINS: readonly ChainId[] = Object.freeze(['hospital', 'social'] as const);

/**
 * Consensus pace for the demo. A proposer commits a transaction as soon as one reaches its mempool
 * (a validator passes on what a member relays to it: node/relay.ts forwardToValidators), so the
 * empty-block wait sets only the idle pace: an empty block every 5 s keeps heights moving (a
 * trainer sees commits, validator changes take effect) at about a quarter of a core for the seven
 * nodes (2 s cost a third more, on a loaded 2-core machine). A missing proposer is skipped after
 * 6 s (vote steps scale with it, so a busy laptop does not keep failing rounds). Measured
 * (docs/benchmarks.md): an entity's request commits on St Mary 0.4–1.1 s after it is filed.
 */
export const DEMO_CONSENSUS: ValidatorEnginesOptions = { emptyBlockMs: 5000, timeouts: scaledTimeouts(6000) };

/**
 * St Mary, still the only validator, adds the three other hospitals (their signed join requests:
 * binding and proof of possession) to the validator sets of QUORUM_CHAINS. Its own share is the
 * quorum of the set in force, so the change commits at once and takes effect two heights later.
 */
export function growValidatorSets(stMary: TrichainNode, joinLines: string[]): void {
  const add = joinLines.map((l) => validatorFromPeerLine(stMary.bls, l));
  const chains = QUORUM_CHAINS.filter((c) => stMary.ledger.validatorsAt(c, stMary.ledger.height(c) + 1).length === 1);
  if (chains.length === 0) return;
  const results = submitChange(stMary, proposeChange(stMary, { add, chains }));
  for (const r of results) if (r.result.status !== 'committed') throw new Error(`the ${r.chain} validator change did not commit (${r.result.status})`);
}

/** Signers of the newest certified block of `chain` on `node`, by name (empty when none yet). */
export function lastSigners(node: TrichainNode, chain: ChainId): { height: number; signers: string[]; validators: number } {
  const head = node.ledger.height(chain);
  for (let h = head; h > Math.max(0, head - 64); h--) {
    const b = node.ledger.block(chain, h);
    if (!b?.cert?.signature?.length) continue;
    const vs = node.ledger.validatorsAt(chain, h);
    return { height: h, signers: bitmapIndices(b.cert.signers, vs.length).map((i) => vs[i].name), validators: vs.length };
  }
  return { height: 0, signers: [], validators: node.ledger.validatorsAt(chain, 1).length };
}

/** True once `chain` commits under four validators with a certificate of at least three signers. */
export function quorumCommits(node: TrichainNode, chain: ChainId): boolean {
  const s = lastSigners(node, chain);
  return s.validators >= 4 && s.signers.length >= 3;
}

