/**
 * Validator-set changes (DESIGN.md §4; rule `validators.update` in ledger/rules/common.ts).
 *
 * A change is proposed, signed and submitted in three steps, so that each validator's operator
 * approves it with their own key:
 *   proposeChange   on a current validator: per chain, {add, remove, effectiveHeight} and this
 *                   node's signature share over validatorChangeMessage(genesis, change);
 *   signChange      on each other validator that approves: its share is added (the proposal is a
 *                   JSON document, passed around as a file);
 *   submitChange    on a validator, once the shares of a quorum (> 2/3) of the set in force are
 *                   in: the shares are aggregated into {signers bitmap, 96-byte signature} and the
 *                   `validators.update` transaction is submitted on each chain.
 * With one validator (a founder) its own share is the quorum: `trichain validators add` does all
 * three at once. effectiveHeight: where this node validates alone, the block after the one that
 * carries the change (head + 2, committed at once); otherwise head + `effectiveIn`, leaving time
 * for the other operators to sign and for the transaction to reach a proposer; a change not
 * included by then is refused by the rules and must be proposed again. The default depends on the
 * engine the chain runs on (DEFAULT_EFFECTIVE_IN).
 *
 * The exchange of validator addresses between running nodes lives in ./peer-ads.
 */
import { bytesEqual } from '../codec/canonical';
import { fromHex, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import { isCometSet, namesCometKey } from '../consensus/cometbft/validators';
import { makeBitmap, quorum } from '../ledger/certificate';
import { validatorChangeMessage } from '../ledger/rules/common';
import { type ChainId, type ValidatorInfo } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import { decodeBindingString, verifyBinding, type SignedBinding } from '../net/binding';
import type { SubmitResult, TrichainNode } from './node';

// ---- validator-set changes -------------------------------------------------------------------------

export interface ChainChange {
  genesis: string;
  /** consensusKey: the new validator's CometBFT key (hex), on chains that run on CometBFT. */
  add: { name: string; blsPk: string; pop: string; consensusKey?: string }[];
  remove: string[];
  effectiveHeight: number;
  /** Signature shares by validator BLS key (hex). */
  shares: Record<string, string>;
}

export interface ChangeProposal {
  kind: 'trichain-validator-change';
  version: 1;
  network: string | null;
  created: number;
  changes: Partial<Record<ChainId, ChainChange>>;
}

export class ValidatorChangeError extends Error {}

const bodyOf = (c: ChainChange) => ({
  add: c.add.map((a) => ({ name: a.name, blsPk: fromHex(a.blsPk, 48), pop: fromHex(a.pop, 96), ...(a.consensusKey ? { consensusKey: fromHex(a.consensusKey, 32) } : {}) })),
  remove: c.remove.map((r) => fromHex(r, 48)),
  effectiveHeight: c.effectiveHeight,
});

/**
 * Default blocks between proposing a change and its taking effect, per engine. The embedded engine
 * makes a block when there are transactions to commit, so 10 blocks leave minutes on a quiet
 * network. CometBFT makes a block at least every 1.25 s (create_empty_blocks_interval 1s +
 * timeout_commit 250ms, consensus/cometbft/home.ts) and 2-3 a second under load: 2,000 blocks are
 * about 15-40 minutes for the other operators to sign the change file, where 10 would be seconds.
 */
export const DEFAULT_EFFECTIVE_IN = { embedded: 10, cometbft: 2000 } as const;

export const isValidator = (vs: ValidatorInfo[], pk: Uint8Array) => vs.some((v) => bytesEqual(v.blsPk, pk));

/** The validator to add, from a `trichain-peer:` line (its signed binding with proof of possession). */
export function validatorFromPeerLine(bls: BlsApi, line: string): ValidatorInfo {
  let b: SignedBinding;
  try {
    b = decodeBindingString(line);
  } catch (e) {
    throw new ValidatorChangeError(`peer line: ${(e as Error).message}`);
  }
  if (!verifyBinding(bls, b)) throw new ValidatorChangeError('peer line: the binding signature does not verify');
  if (!b.pop || !bls.popVerify(b.statement.blsPk, b.pop)) throw new ValidatorChangeError('peer line: no valid proof of possession (use the line printed by trichain join)');
  return { name: b.statement.name, blsPk: b.statement.blsPk, pop: b.pop };
}

function share(node: TrichainNode, chain: ChainId, c: ChainChange): string {
  return toHex(node.bls.sign(node.identity.blsSecretKey, validatorChangeMessage(node.ledger.genesisHash(chain), bodyOf(c))));
}

/**
 * Whether the added validators fit the chain's engine, before anyone signs: on a chain whose
 * validators all name a CometBFT key (one founded with --engine cometbft, or already on CometBFT)
 * a newcomer without one would hand the chain back to Trichain's engine (or, on CometBFT, be refused
 * by the rules once the shares are gathered); on a chain without CometBFT keys, a newcomer's key
 * would be ignored.
 */
function checkConsensusKeys(chain: ChainId, vs: ValidatorInfo[], add: ValidatorInfo[]): void {
  const comet = vs.every(namesCometKey);
  for (const a of add) {
    if (comet && !a.consensusKey) {
      throw new ValidatorChangeError(`the ${chain} chain's validators run CometBFT: give ${a.name}'s CometBFT key with --consensus-key (the key on the TRICHAIN_COMETBFT_KEY line its \`trichain start --engine cometbft\` printed)`);
    }
    if (!comet && a.consensusKey) throw new ValidatorChangeError(`the ${chain} chain runs on Trichain's own engine (its validators name no CometBFT key): add ${a.name} without --consensus-key`);
  }
}

/** Proposes a change on `chains` (default: every chain this node validates) with this node's share. */
export function proposeChange(node: TrichainNode, o: { add?: ValidatorInfo[]; remove?: Uint8Array[]; chains?: ChainId[]; effectiveIn?: number }): ChangeProposal {
  const add = o.add ?? [];
  const remove = o.remove ?? [];
  if (add.length === 0 && remove.length === 0) throw new ValidatorChangeError('the change adds and removes no one');
  const me = node.identity.blsPublicKey;
  const chains = o.chains ?? node.chains().filter((c) => isValidator(node.ledger.validatorsAt(c, node.ledger.height(c) + 1), me));
  if (chains.length === 0) throw new ValidatorChangeError('this node is not a validator of any chain');
  const p: ChangeProposal = { kind: 'trichain-validator-change', version: 1, network: node.config.network ?? null, created: Date.now(), changes: {} };
  for (const chain of chains) {
    if (!node.ledger.hasGenesis(chain)) throw new ValidatorChangeError(`this node does not hold the ${chain} chain`);
    const head = node.ledger.height(chain);
    const vs = node.ledger.validatorsAt(chain, head + 1);
    if (!isValidator(vs, me)) throw new ValidatorChangeError(`this node is not a validator of the ${chain} chain`);
    for (const a of add) if (isValidator(vs, a.blsPk)) throw new ValidatorChangeError(`${a.name} is already a validator of the ${chain} chain`);
    checkConsensusKeys(chain, vs, add);
    for (const r of remove) if (!isValidator(vs, r)) throw new ValidatorChangeError(`${toHex(r).slice(0, 16)}… is not a validator of the ${chain} chain`);
    const effectiveHeight = node.isSoloValidator(chain) ? head + 2 : head + (o.effectiveIn ?? DEFAULT_EFFECTIVE_IN[isCometSet(vs) ? 'cometbft' : 'embedded']);
    const c: ChainChange = {
      genesis: toHex(node.ledger.genesisHash(chain)),
      add: add.map((a) => ({ name: a.name, blsPk: toHex(a.blsPk), pop: toHex(a.pop), ...(a.consensusKey ? { consensusKey: toHex(a.consensusKey) } : {}) })),
      remove: remove.map(toHex),
      effectiveHeight,
      shares: {},
    };
    c.shares[toHex(me)] = share(node, chain, c);
    p.changes[chain] = c;
  }
  return p;
}

/** Checks a proposal against this node's chains and adds its share to every change (returns what it signed). */
export function signChange(node: TrichainNode, p: ChangeProposal): ChainId[] {
  if (p?.kind !== 'trichain-validator-change' || p.version !== 1) throw new ValidatorChangeError('not a validator-change proposal');
  const me = node.identity.blsPublicKey;
  const signed: ChainId[] = [];
  for (const chain of CHAINS) {
    const c = p.changes[chain];
    if (!c) continue;
    if (!node.ledger.hasGenesis(chain)) throw new ValidatorChangeError(`this node does not hold the ${chain} chain`);
    if (c.genesis !== toHex(node.ledger.genesisHash(chain))) throw new ValidatorChangeError(`the ${chain} change is for another network`);
    const head = node.ledger.height(chain);
    if (c.effectiveHeight <= head + 1) throw new ValidatorChangeError(`the ${chain} change takes effect at ${c.effectiveHeight}, the chain is already at ${head}: propose it again`);
    const vs = node.ledger.validatorsAt(chain, head + 1);
    if (!isValidator(vs, me)) throw new ValidatorChangeError(`this node is not a validator of the ${chain} chain`);
    for (const a of bodyOf(c).add) if (!node.bls.popVerify(a.blsPk, a.pop)) throw new ValidatorChangeError(`proof of possession of ${a.name} does not verify`);
    c.shares[toHex(me)] = share(node, chain, c);
    signed.push(chain);
  }
  return signed;
}

/** The `validators.update` body for a chain, if the shares reach a quorum of the set in force. */
export function assembleChange(node: TrichainNode, chain: ChainId, c: ChainChange): { body: ReturnType<typeof bodyOf> & { signers: Uint8Array; signature: Uint8Array }; signers: number; needed: number } | { missing: number; needed: number } {
  const vs = node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1);
  const msg = validatorChangeMessage(node.ledger.genesisHash(chain), bodyOf(c));
  const idx: number[] = [];
  const sigs: Uint8Array[] = [];
  vs.forEach((v, i) => {
    const s = c.shares[toHex(v.blsPk)];
    if (!s) return;
    const sig = fromHex(s, 96);
    if (!node.bls.verify(v.blsPk, msg, sig)) throw new ValidatorChangeError(`the share of ${v.name} on the ${chain} chain does not verify`);
    idx.push(i);
    sigs.push(sig);
  });
  const needed = quorum(vs.length);
  if (idx.length < needed) return { missing: needed - idx.length, needed };
  return { body: { ...bodyOf(c), signers: makeBitmap(vs.length, idx), signature: node.bls.aggregate(sigs) }, signers: idx.length, needed };
}

const busy = (e: unknown) => /database is locked|SQLITE_BUSY/i.test(String((e as Error)?.message ?? e));

/** Runs f, retrying while another process (the running daemon) holds SQLite's write lock. */
function withRetry<T>(f: () => T, tries = 20): T {
  for (let i = 0; ; i++) {
    try {
      return f();
    } catch (e) {
      if (!busy(e) || i >= tries) throw e;
      const until = Date.now() + 50 + Math.random() * 100;
      while (Date.now() < until) {
        // brief synchronous back-off (CLI process)
      }
    }
  }
}

/**
 * Submits every change of the proposal that has a quorum; throws if one lacks it. The transaction
 * is signed once and queued (retried while a running daemon holds the write lock); where this node
 * validates alone it is committed here unless the running daemon's producer commits it first.
 */
export function submitChange(node: TrichainNode, p: ChangeProposal): { chain: ChainId; result: SubmitResult; effectiveHeight: number }[] {
  const ready: { chain: ChainId; body: Parameters<TrichainNode['submit']>[2]; effectiveHeight: number }[] = [];
  for (const chain of CHAINS) {
    const c = p.changes[chain];
    if (!c) continue;
    const a = assembleChange(node, chain, c);
    if ('missing' in a) throw new ValidatorChangeError(`the ${chain} change needs ${a.missing} more signature(s) (quorum ${a.needed}): trichain validators sign FILE --data DIR on other validators`);
    ready.push({ chain, body: a.body as unknown as Parameters<TrichainNode['submit']>[2], effectiveHeight: c.effectiveHeight });
  }
  return ready.map((r) => {
    const tx = withRetry(() => node.sign(r.chain, 'validators.update', r.body));
    const queued = withRetry(() => node.submitSigned(tx, { defer: true }));
    if (node.isSoloValidator(r.chain)) {
      for (let i = 0; i < 20 && !node.ledger.txLocation(r.chain, queued.id); i++) {
        try {
          node.commitPending(r.chain);
        } catch (e) {
          // the daemon committed that height first (or holds the lock): look again
          if (!busy(e) && !/refused/.test(String((e as Error).message))) throw e;
        }
      }
    }
    const loc = node.ledger.txLocation(r.chain, queued.id);
    const result: SubmitResult = loc ? { ...queued, status: 'committed', height: loc.height } : queued;
    return { chain: r.chain, result, effectiveHeight: r.effectiveHeight };
  });
}
