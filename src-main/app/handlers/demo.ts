/**
 * The demo area (src-shared/api/demo.ts): a trainer lists the demo's validators, stops one and
 * starts it again (its peer server, sync and consensus; its replica stays readable), to show the
 * chains commit with three of four signers and that it catches up. Only in demo mode.
 */
import { ApiError, DEMO_VALIDATOR_IDS, type ApiOutput, type ChainId } from '../../../src-shared/api';
import { quorum } from '../../ledger/certificate';
import type { TrichainNode } from '../../node/node';
import type { Demo } from '../demo';
import { lastSigners } from '../demo-quorum';
import type { AppSession } from '../session';
import type { Handlers } from './types';

type ValidatorId = (typeof DEMO_VALIDATOR_IDS)[number];

const nodeOf = (d: Demo, id: ValidatorId): TrichainNode | undefined => (id === 'stMary' || id === 'riverside' ? d.nodes[id] : d.validators[id]);

/** The validator sets St Mary holds for the next height of each chain, by public key. */
function setsOf(stMary: TrichainNode): Map<ChainId, string[]> {
  return new Map(stMary.chains().map((c) => [c, stMary.ledger.validatorsAt(c, stMary.ledger.height(c) + 1).map((v) => Buffer.from(v.blsPk).toString('hex'))]));
}

/** Why `id` may not be stopped now (a chain would fall below its quorum of running validators), if so. */
function cannotStop(d: Demo, id: ValidatorId, sets: Map<ChainId, string[]>): string | undefined {
  const me = nodeOf(d, id)!.publicKeyHex;
  for (const [chain, set] of sets) {
    if (!set.includes(me)) continue;
    const running = DEMO_VALIDATOR_IDS.filter((v) => v !== id && d.runtime(v) && set.includes(nodeOf(d, v)?.publicKeyHex ?? '')).length;
    if (running < quorum(set.length)) {
      return set.length === 1
        ? `${nodeOf(d, id)!.config.name} validates the ${chain} chain alone: stopping it would stop that chain`
        : `the ${chain} chain needs ${quorum(set.length)} of its ${set.length} validators running: start the stopped one first`;
    }
  }
  return undefined;
}

export function validatorsView(d: Demo): ApiOutput<'demo.validators'> {
  const stMary = d.nodes.stMary;
  const sets = setsOf(stMary);
  const validators = DEMO_VALIDATOR_IDS.filter((id) => nodeOf(d, id)).map((id) => {
    const n = nodeOf(d, id)!;
    const chains = [...sets].filter(([, set]) => set.includes(n.publicKeyHex)).map(([c]) => c);
    const running = d.runtime(id) !== null;
    const why = running ? cannotStop(d, id, sets) : undefined;
    const behind = Math.max(0, ...chains.map((c) => stMary.ledger.height(c) - n.ledger.height(c)));
    return { id, name: n.config.name, chains, running, behind, ...(why ? { cannotStop: why } : {}) };
  }).filter((v) => v.chains.length > 0);
  const chains = [...sets].map(([chain, set]) => {
    const last = lastSigners(stMary, chain);
    return { chain, validators: set.length, quorum: quorum(set.length), ...(last.height > 0 ? { lastBlock: { height: last.height, signers: last.signers } } : {}) };
  });
  return { validators, chains };
}

export function demoHandlers(s: AppSession): Handlers<'demo.validators' | 'demo.stopValidator' | 'demo.startValidator'> {
  const demo = (): Demo => {
    if (!s.demo) throw new ApiError('FORBIDDEN', 'only in the demo: this app runs its own node (stop a node of a real network on its own machine)');
    return s.demo;
  };
  const known = (d: Demo, id: ValidatorId): TrichainNode => {
    const n = nodeOf(d, id);
    if (!n || !validatorsView(d).validators.some((v) => v.id === id)) throw new ApiError('NOT_FOUND', `${id} validates no chain in this demo`);
    return n;
  };
  return {
    async 'demo.validators'() {
      return validatorsView(demo());
    },
    async 'demo.stopValidator'(i) {
      const d = demo();
      known(d, i.id);
      if (d.runtime(i.id)) {
        const why = cannotStop(d, i.id, setsOf(d.nodes.stMary));
        if (why) throw new ApiError('CONFLICT', why);
        await d.stopNode(i.id);
      }
      return validatorsView(d);
    },
    async 'demo.startValidator'(i) {
      const d = demo();
      known(d, i.id);
      await d.startNode(i.id);
      return validatorsView(d);
    },
  };
}
