/**
 * The signing flow (DESIGN.md §7): the renderer asks, the node shows what will be signed (who,
 * what, which chain) and signs only after the person confirms. Prepared actions expire.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type SignAction, type SignSummary } from '../../src-shared/api';

export const SIGN_TTL_MS = 2 * 60_000;

interface Pending {
  action: SignAction;
  roleId: string;
  expires: number;
}

export class SignDesk {
  private readonly pending = new Map<string, Pending>();

  prepare(action: SignAction, roleId: string, summary: SignSummary, now = Date.now()) {
    this.sweep(now);
    const requestId = `sign-${randomBytes(12).toString('hex')}`;
    this.pending.set(requestId, { action, roleId, expires: now + SIGN_TTL_MS });
    return { requestId, summary, expiresAt: new Date(now + SIGN_TTL_MS).toISOString() };
  }

  /** Takes the prepared action out (once); throws if unknown, expired, or prepared for another role. */
  take(requestId: string, roleId: string, now = Date.now()): SignAction {
    const p = this.pending.get(requestId);
    this.pending.delete(requestId);
    if (!p) throw new ApiError('NOT_FOUND', 'no such prepared action (it was confirmed, cancelled or never prepared)');
    if (p.expires < now) throw new ApiError('EXPIRED', 'the prepared action expired: prepare it again');
    if (p.roleId !== roleId) throw new ApiError('CONFLICT', 'the action was prepared for another role: switch back to confirm it');
    return p.action;
  }

  cancel(requestId: string): boolean {
    return this.pending.delete(requestId);
  }

  private sweep(now: number): void {
    for (const [k, p] of this.pending) if (p.expires < now) this.pending.delete(k);
  }
}
