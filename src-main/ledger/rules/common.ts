/**
 * Rules every chain shares: registering a member (sponsored by an existing member, with the
 * newcomer's proof of possession of its BLS key, so rogue keys cannot enter) and changing the
 * validator set (certified by more than two thirds of the current set, effective at a stated height).
 */
import { z } from 'zod';
import { domainBytes } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { bitmapIndices, quorum } from '../certificate';
import type { Canonical } from '../../codec/canonical';
import type { ValidatorInfo } from '../types';
import { getMember, putMember, requireMember, type MemberRole } from './members';
import { blsPk, blsSig, bytes, bytesUpTo, name, x25519Pk } from './schemas';
import { reject, TxRejected, type StateReader, type StateView, type TxContext, type TxRule } from './types';

export const memberRegisterBody = z
  .object({
    role: z.enum(['hospital', 'clinician', 'patient', 'entity']),
    name,
    blsPk,
    x25519Pk,
    pop: blsSig,
    kind: z.string().max(64).optional(),
  })
  .strict();
export type MemberRegisterBody = z.infer<typeof memberRegisterBody>;

/** Which roles may sponsor which newcomers. Hospitals admit everyone; nobody else admits anyone. */
const SPONSORS: Record<MemberRole, MemberRole[]> = {
  hospital: ['hospital'],
  clinician: ['hospital'],
  patient: ['hospital', 'clinician'],
  entity: ['hospital'],
};

export const memberRegister: TxRule<MemberRegisterBody> = {
  body: memberRegisterBody,
  check(tx, b, ctx) {
    const sponsor = requireMember(ctx.state, tx.author, SPONSORS[b.role], `register ${b.role}`);
    if (getMember(ctx.state, b.blsPk)) reject('key is already registered');
    if (!ctx.bls.popVerify(b.blsPk, b.pop)) reject('proof of possession does not verify for the new key');
    if (b.role === 'clinician' && sponsor.role !== 'hospital') reject('clinicians are registered by their hospital');
  },
  apply(tx, b, ctx) {
    const sponsor = getMember(ctx.state, tx.author)!;
    putMember(ctx.state, {
      role: b.role,
      name: b.name,
      blsPk: b.blsPk,
      x25519Pk: b.x25519Pk,
      ...(b.role === 'clinician' ? { org: toHex(sponsor.blsPk) } : {}),
      ...(b.kind ? { kind: b.kind } : {}),
      since: ctx.height,
    });
  },
};

// ---- validator sets -------------------------------------------------------------------------

const pad = (h: number) => String(h).padStart(12, '0');
export const validatorsKey = (fromHeight: number) => `validators/${pad(fromHeight)}`;

export function putValidators(state: StateView, fromHeight: number, vs: ValidatorInfo[]): void {
  state.put(validatorsKey(fromHeight), vs as unknown as Canonical);
}

/** The validator set in force at `height`: the last change whose effective height is <= height. */
export function validatorsAt(state: StateReader, height: number): ValidatorInfo[] {
  let best: ValidatorInfo[] | undefined;
  for (const [k, v] of state.scan('validators/')) {
    if (Number(k.slice('validators/'.length)) <= height) best = v as unknown as ValidatorInfo[];
    else break;
  }
  if (!best) throw new Error('no validator set recorded');
  return best;
}

export const validatorChangeBody = z
  .object({
    add: z.array(z.object({ name, blsPk, pop: blsSig, consensusKey: bytes(32).optional() }).strict()).max(100),
    remove: z.array(blsPk).max(100),
    effectiveHeight: z.number().int().positive(),
    /** Bitmap of current validators who approved, and their aggregate signature. */
    signers: bytesUpTo(1024),
    signature: blsSig,
  })
  .strict();
export type ValidatorChangeBody = z.infer<typeof validatorChangeBody>;

export function validatorChangeMessage(genesis: Uint8Array, b: Pick<ValidatorChangeBody, 'add' | 'remove' | 'effectiveHeight'>): Uint8Array {
  return domainBytes('validator-set-change', { genesis, add: b.add, remove: b.remove, effectiveHeight: b.effectiveHeight } as unknown as Canonical);
}

export const validatorsUpdate: TxRule<ValidatorChangeBody> = {
  body: validatorChangeBody,
  check(tx, b, ctx) {
    if (!ctx.validators.some((v) => toHex(v.blsPk) === toHex(tx.author))) reject('only a current validator may submit a validator-set change');
    if (b.effectiveHeight <= ctx.height) reject('effective height must be after the block that carries the change');
    let idx: number[];
    try {
      idx = bitmapIndices(b.signers, ctx.validators.length);
    } catch (e) {
      reject((e as Error).message);
    }
    if (idx.length < quorum(ctx.validators.length)) reject(`change approved by ${idx.length}, needs ${quorum(ctx.validators.length)} of the current validators`);
    const msg = validatorChangeMessage(ctx.genesis, b);
    if (!ctx.bls.fastAggregateVerify(idx.map((i) => ctx.validators[i].blsPk), msg, b.signature)) reject('validator-set change signature does not verify');
    for (const a of b.add) if (!ctx.bls.popVerify(a.blsPk, a.pop)) reject(`proof of possession fails for new validator ${a.name}`);
    const next = nextSet(ctx.validators, b);
    if (next.length === 0) reject('a chain needs at least one validator');
  },
  apply(_tx, b, ctx) {
    putValidators(ctx.state, b.effectiveHeight, nextSet(ctx.validators, b));
  },
};

/** The set after a change: the current set without the removed keys, then the added validators. */
export function nextSet(current: ValidatorInfo[], b: Pick<ValidatorChangeBody, 'add' | 'remove'>): ValidatorInfo[] {
  const removed = new Set(b.remove.map(toHex));
  const out = current.filter((v) => !removed.has(toHex(v.blsPk)));
  for (const a of b.add) if (!out.some((v) => toHex(v.blsPk) === toHex(a.blsPk))) out.push(a);
  return out;
}

/** Runs `check` on each entry of a batch, refusing the whole transaction with the first bad entry named (a record named twice is one). */
export function checkEntries<E extends { recordId: string }>(entries: E[], check: (e: E) => void): void {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    try {
      if (seen.has(e.recordId)) reject(`record ${e.recordId} appears twice in the batch`);
      seen.add(e.recordId);
      check(e);
    } catch (err) {
      if (err instanceof TxRejected) reject(`entry ${i} (${e.recordId}): ${err.reason}`);
      throw err;
    }
  });
}

export const commonRules = {
  'member.register': memberRegister,
  'validators.update': validatorsUpdate,
};

/**
 * Audit entries the patient can list (DESIGN.md §6): every access, share, refusal and revocation
 * is indexed under the patient it concerns. State: audit/<patient hex>/<time>/<tx id hex> -> entry.
 */
export interface AuditEntry {
  kind: string;
  actor: Uint8Array;
  chain: string;
  height: number;
  time: number;
  detail: { [k: string]: Canonical };
}

export function recordAudit(ctx: TxContext, patient: Uint8Array, kind: string, actor: Uint8Array, detail: AuditEntry['detail']): void {
  const entry: AuditEntry = { kind, actor, chain: ctx.chain, height: ctx.height, time: ctx.time, detail };
  ctx.state.put(`audit/${toHex(patient)}/${pad(ctx.time)}/${toHex(ctx.txId)}`, entry as unknown as Canonical);
}

export function listAudit(state: StateReader, patient: Uint8Array): AuditEntry[] {
  return state.scan(`audit/${toHex(patient)}/`).map(([, v]) => v as unknown as AuditEntry);
}
