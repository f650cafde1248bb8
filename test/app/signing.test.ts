/**
 * Issue 13, finding 6: the signing desk kept every prepared action (≈19 MB each for a large
 * import) with no cap. It now holds at most MAX_PREPARED actions and MAX_PREPARED_BYTES, refuses
 * more with a clear error (what is prepared stays confirmable), and drops an action when it expires.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SignAction } from '../../src-shared/api';
import { MAX_PREPARED, MAX_PREPARED_BYTES, SIGN_TTL_MS, SignDesk } from '../../src-main/app/signing';

const summary = { who: 'St Mary Hospital', what: 'Import', chain: ['hospital' as const], details: [] };
const importOf = (bytes: number, n = 0): SignAction => ({ method: 'records.import', input: { importId: `imp-${n}`, bundle: `"${'x'.repeat(Math.max(0, bytes - 2))}"` } }) as SignAction;
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  return null;
};

describe('the signing desk is bounded', () => {
  afterEach(() => vi.useRealTimers());

  it(`refuses a ${MAX_PREPARED + 1}th prepared action, and the prepared ones stay confirmable`, () => {
    const desk = new SignDesk();
    const ids = Array.from({ length: MAX_PREPARED }, (_, i) => desk.prepare(importOf(100, i), 'hospital', summary).requestId);
    expect(code(() => desk.prepare(importOf(100, 99), 'hospital', summary))).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/already waiting for a signature/) });
    expect(desk.held().count).toBe(MAX_PREPARED);
    expect(desk.take(ids[0], 'hospital')).toMatchObject({ input: { importId: 'imp-0' } });
    // one confirmed makes room for one more
    expect(desk.prepare(importOf(100, 100), 'hospital', summary).requestId).toMatch(/^sign-/);
  });

  it('caps the bytes held: large imports beyond the cap are refused until one is cancelled', () => {
    const desk = new SignDesk();
    const big = Math.floor(MAX_PREPARED_BYTES / 3.5);
    const ids = [0, 1, 2].map((i) => desk.prepare(importOf(big, i), 'hospital', summary).requestId);
    expect(code(() => desk.prepare(importOf(big, 3), 'hospital', summary))).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/already hold \d+ bytes/) });
    expect(desk.held().bytes).toBeLessThanOrEqual(MAX_PREPARED_BYTES);
    expect(desk.cancel(ids[1])).toBe(true);
    expect(desk.prepare(importOf(big, 4), 'hospital', summary).requestId).toMatch(/^sign-/);
    expect(code(() => desk.prepare(importOf(MAX_PREPARED_BYTES + 1, 5), 'hospital', summary))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('drops an action when it expires, without waiting for another call', () => {
    vi.useFakeTimers();
    const desk = new SignDesk();
    const { requestId } = desk.prepare(importOf(1000), 'hospital', summary);
    expect(desk.held()).toMatchObject({ count: 1 });
    vi.advanceTimersByTime(SIGN_TTL_MS + 1500);
    expect(desk.held()).toEqual({ count: 0, bytes: 0 });
    expect(code(() => desk.take(requestId, 'hospital'))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an expired action taken before its timer fires says so', () => {
    const desk = new SignDesk();
    const now = Date.now();
    const { requestId } = desk.prepare(importOf(10), 'hospital', summary, now);
    expect(code(() => desk.take(requestId, 'hospital', now + SIGN_TTL_MS + 1))).toMatchObject({ code: 'EXPIRED' });
    expect(desk.held()).toEqual({ count: 0, bytes: 0 });
  });
});
