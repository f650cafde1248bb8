/**
 * `trichain validators` — change a chain's validator set (src-main/node/validators.ts):
 *
 *   validators list   --data DIR [--json]
 *   validators add    PEERLINE --data DIR [--chains c,..] [--effective-in N] [--out FILE] [--consensus-key KEY]
 *   validators remove BLSPK    --data DIR [--chains c,..] [--effective-in N] [--out FILE]
 *   validators sign   FILE     --data DIR        (another validator approves: adds its share)
 *   validators submit FILE     --data DIR        (once a quorum signed: submits validators.update)
 *
 * PEERLINE is the `trichain-peer:` line the new validator's `trichain join` printed (its signed
 * binding and proof of possession). --effective-in: blocks until the change takes effect (default
 * 10 on the embedded engine, 2,000 on a chain already on CometBFT: node/validators.ts
 * DEFAULT_EFFECTIVE_IN); the others must sign and submit before then. add/remove write the proposal with this node's signature share
 * to FILE (default DIR/validator-change.json); where this node's share alone is a quorum (a
 * founder, the only validator) the change is submitted at once. On chains that run on CometBFT an
 * added validator must name its CometBFT key (--consensus-key: the base64 key its
 * `trichain start --engine cometbft` printed as TRICHAIN_COMETBFT_KEY); its set change takes
 * effect in CometBFT two heights after the block that makes it effective in the ledger. Output lines for scripts:
 *   TRICHAIN_VALIDATOR_CHANGE file=<path> quorum=<yes|no>
 *   TRICHAIN_VALIDATOR_SUBMITTED chain=<c> effective=<height> status=<committed|pending>
 * The node may be running (its database is shared; the running daemon picks the transaction up).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromHex, toHex } from '../../codec/hex';
import { defaultBls } from '../../crypto/bls';
import { isChainId, type ChainId } from '../../ledger/types';
import { CHAINS } from '../../../src-shared/vocabulary';
import type { TrichainNode } from '../../node/node';
import { assembleChange, proposeChange, signChange, submitChange, validatorFromPeerLine, ValidatorChangeError, type ChangeProposal } from '../../node/validators';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'change validator sets: list | add PEERLINE | remove BLSPK | sign FILE | submit FILE (--data DIR)';

const USAGE = 'usage: trichain validators list|add PEERLINE|remove BLSPK|sign FILE|submit FILE --data DIR [--chains c,..] [--effective-in N] [--out FILE] [--consensus-key KEY] [--json]';

function chainsOpt(v: string | undefined): ChainId[] | undefined {
  if (!v) return undefined;
  const cs = v.split(',').map((s) => s.trim());
  for (const c of cs) if (!isChainId(c)) throw new CliError(`--chains: unknown chain ${c}`, 2);
  return cs as ChainId[];
}

/** --consensus-key: the new validator's CometBFT key (base64 ed25519, its TRICHAIN_COMETBFT_KEY line). */
function consensusKeyOpt(v: string | undefined): { consensusKey?: Uint8Array } {
  if (v === undefined) return {};
  const k = Buffer.from(v, 'base64');
  if (k.length !== 32 || k.toString('base64') !== v) throw new CliError('--consensus-key must be a base64 ed25519 public key (32 bytes), as `trichain start --engine cometbft` prints it', 2);
  return { consensusKey: new Uint8Array(k) };
}

function readProposal(file: string): ChangeProposal {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChangeProposal;
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
}

function hasQuorum(node: TrichainNode, p: ChangeProposal): boolean {
  return CHAINS.every((c) => !p.changes[c] || !('missing' in assembleChange(node, c, p.changes[c]!)));
}

function submit(node: TrichainNode, p: ChangeProposal, io: CliIO): void {
  for (const r of submitChange(node, p)) {
    io.out(`TRICHAIN_VALIDATOR_SUBMITTED chain=${r.chain} effective=${r.effectiveHeight} status=${r.result.status}`);
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || !['list', 'add', 'remove', 'sign', 'submit'].includes(sub)) throw new CliError(USAGE, 2);
  const { values, positionals } = parse(
    rest,
    { data: { type: 'string' }, chains: { type: 'string' }, 'effective-in': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean', default: false }, 'consensus-key': { type: 'string' } },
    true,
  );
  const dir = requireOpt(values.data, '--data DIR');
  if (sub === 'list' ? positionals.length !== 0 : positionals.length !== 1) throw new CliError(USAGE, 2);
  const effectiveIn = values['effective-in'] === undefined ? undefined : Number(values['effective-in']);
  if (effectiveIn !== undefined && (!Number.isSafeInteger(effectiveIn) || effectiveIn < 2)) throw new CliError('--effective-in must be an integer >= 2', 2);
  const node = await openNode(dir, io, { verify: false });
  try {
    node.db.pragma('busy_timeout = 5000'); // the running daemon may hold the write lock briefly
    switch (sub) {
      case 'list': {
        const out = node.chains().map((c) => {
          const h = node.ledger.height(c);
          return { chain: c, height: h, validators: node.ledger.validatorsAt(c, h + 1).map((v) => ({ name: v.name, blsPk: toHex(v.blsPk) })) };
        });
        if (values.json) io.out(JSON.stringify(out));
        else for (const c of out) io.out(`${c.chain.padEnd(9)} height ${c.height}: ${c.validators.map((v) => `${v.name} (${v.blsPk.slice(0, 12)}…)`).join(', ')}`);
        return 0;
      }
      case 'add':
      case 'remove': {
        const p =
          sub === 'add'
            ? proposeChange(node, { add: [{ ...validatorFromPeerLine(defaultBls(), positionals[0]), ...consensusKeyOpt(values['consensus-key']) }], chains: chainsOpt(values.chains), effectiveIn })
            : proposeChange(node, { remove: [fromHex(positionals[0], 48)], chains: chainsOpt(values.chains), effectiveIn });
        const file = resolve(values.out ?? join(dir, 'validator-change.json'));
        writeFileSync(file, JSON.stringify(p, null, 2) + '\n');
        const q = hasQuorum(node, p);
        io.out(`TRICHAIN_VALIDATOR_CHANGE file=${file} quorum=${q ? 'yes' : 'no'}`);
        if (q) submit(node, p, io);
        else {
          const by = CHAINS.filter((c) => p.changes[c]).map((c) => `${c} ${p.changes[c]!.effectiveHeight} (now ${node.ledger.height(c)})`);
          io.out(`more signatures needed: run \`trichain validators sign ${file} --data DIR\` on other validators, then \`trichain validators submit ${file} --data ${dir}\`, before the change's height: ${by.join(', ')}`);
        }
        return 0;
      }
      case 'sign': {
        const file = resolve(positionals[0]);
        const p = readProposal(file);
        const signed = signChange(node, p);
        writeFileSync(file, JSON.stringify(p, null, 2) + '\n');
        io.out(`signed the change on ${signed.join(', ')}; quorum=${hasQuorum(node, p) ? 'yes' : 'no'}`);
        return 0;
      }
      case 'submit': {
        submit(node, readProposal(resolve(positionals[0])), io);
        return 0;
      }
    }
    return 2;
  } catch (e) {
    if (e instanceof ValidatorChangeError) throw new CliError(e.message, 1);
    throw e;
  } finally {
    node.close();
  }
}
