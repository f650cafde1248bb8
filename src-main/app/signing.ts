/**
 * The signing flow (DESIGN.md §7): the renderer asks, the node shows what will be signed (who,
 * what, which chain) and signs only after the person confirms. Prepared actions expire.
 *
 * The desk is bounded (issue 13, finding 6): at most MAX_PREPARED actions and MAX_PREPARED_BYTES
 * of their inputs at once; an expired action is dropped when it expires. A full desk refuses a new
 * action (UNAVAILABLE, saying why) rather than evicting an older one: evicting would let a flood of
 * prepares silently cancel the action a person is reading in the sign dialog, while a refusal
 * leaves what is prepared intact and clears itself when those actions are confirmed, cancelled or
 * expire (SIGN_TTL_MS).
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type SignAction, type SignSummary } from '../../src-shared/api';
import { MAX_BODY_BYTES } from '../../src-shared/ipc';

export const SIGN_TTL_MS = 2 * 60_000;
export const MAX_PREPARED = 16;
/** Room for three of the largest imports the host accepts (MAX_BODY_BYTES each). */
export const MAX_PREPARED_BYTES = 3 * MAX_BODY_BYTES + 1024 * 1024;

interface Pending {
  action: SignAction;
  roleId: string;
  expires: number;
  bytes: number;
  timer: ReturnType<typeof setTimeout>;
}

export class SignDesk {
  private readonly pending = new Map<string, Pending>();
  private bytes = 0;

  prepare(action: SignAction, roleId: string, summary: SignSummary, now = Date.now()) {
    this.sweep(now);
    const bytes = Buffer.byteLength(JSON.stringify(action));
    if (bytes > MAX_PREPARED_BYTES) throw new ApiError('PAYLOAD_TOO_LARGE', `the action's input is ${bytes} bytes; the signing desk holds at most ${MAX_PREPARED_BYTES}`);
    if (this.pending.size >= MAX_PREPARED) throw new ApiError('UNAVAILABLE', `${MAX_PREPARED} actions are already waiting for a signature: confirm or cancel one, or wait until they expire`);
    if (this.bytes + bytes > MAX_PREPARED_BYTES) throw new ApiError('UNAVAILABLE', `the actions waiting for a signature already hold ${this.bytes} bytes: confirm or cancel one, or wait until they expire`);
    const requestId = `sign-${randomBytes(12).toString('hex')}`;
    const timer = setTimeout(() => this.drop(requestId), SIGN_TTL_MS + 1000);
    timer.unref?.();
    this.pending.set(requestId, { action, roleId, expires: now + SIGN_TTL_MS, bytes, timer });
    this.bytes += bytes;
    return { requestId, summary, expiresAt: new Date(now + SIGN_TTL_MS).toISOString() };
  }

  /** Takes the prepared action out (once); throws if unknown, expired, or prepared for another role. */
  take(requestId: string, roleId: string, now = Date.now()): SignAction {
    const p = this.pending.get(requestId);
    this.drop(requestId);
    if (!p) throw new ApiError('NOT_FOUND', 'no such prepared action (it was confirmed, cancelled, expired or never prepared)');
    if (p.expires < now) throw new ApiError('EXPIRED', 'the prepared action expired: prepare it again');
    if (p.roleId !== roleId) throw new ApiError('CONFLICT', 'the action was prepared for another role: switch back to confirm it');
    return p.action;
  }

  cancel(requestId: string): boolean {
    return this.drop(requestId);
  }

  /** How many actions and input bytes the desk holds. */
  held(): { count: number; bytes: number } {
    return { count: this.pending.size, bytes: this.bytes };
  }

  private drop(requestId: string): boolean {
    const p = this.pending.get(requestId);
    if (!p) return false;
    clearTimeout(p.timer);
    this.pending.delete(requestId);
    this.bytes -= p.bytes;
    return true;
  }

  private sweep(now: number): void {
    for (const [k, p] of this.pending) if (p.expires < now) this.drop(k);
  }
}
