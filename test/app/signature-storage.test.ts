/**
 * Issue 13, finding 6: one `storage.signatures` call with large inputs froze the engine. The
 * report is now bounded and made in a worker thread, one at a time, and remembered.
 */
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import { MAX_QUEUED, MAX_REPORT_SIGNATURES, SignatureReports } from '../../src-main/app/signature-storage';

const until = async (f: () => boolean) => {
  while (!f()) await new Promise((r) => setTimeout(r, 10));
};

describe('the signature storage report', () => {
  it('is made in a worker thread: the event loop keeps turning while it runs', async () => {
    const reports = new SignatureReports(defaultBls());
    const parties = [64, 64, 64, 64];
    let ticks = 0;
    let pending = true;
    const tick = setInterval(() => pending && ticks++, 5);
    try {
      const rows = await reports.measure(parties);
      pending = false;
      expect(reports.lastThreadId).not.toBeNull();
      expect(reports.lastThreadId).not.toBe(threadId);
      // the main loop ran its timer all along (a report on this thread, unsliced, allows none)
      expect(ticks).toBeGreaterThan(10);
      expect(rows.map((r) => r.parties)).toEqual(parties);
      expect(rows.every((r) => r.aggregateBytes === 96 && r.perPartyBlsBytes === r.parties * 96 && r.perPartyEcdsaBytes === r.parties * 64)).toBe(true);
    } finally {
      clearInterval(tick);
    }
    await until(() => reports.running === 0);
  }, 60_000);

  it('refuses more than its limit, and answers a report it already made from memory', async () => {
    const reports = new SignatureReports(defaultBls());
    await expect(reports.measure([MAX_REPORT_SIGNATURES, 1])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(reports.measure([0])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(reports.peakRunning).toBe(0); // nothing was started for them
    const first = reports.measure([1, 2]);
    const again = reports.measure([1, 2]);
    expect(again).toBe(first);
    expect(await again).toHaveLength(2);
    await until(() => reports.running === 0);
  }, 60_000);

  it('runs one worker at a time, refuses a queue longer than its limit, and stops a report that runs too long', async () => {
    const reports = new SignatureReports(defaultBls(), 1); // every report "runs too long"
    const asked = Array.from({ length: MAX_QUEUED + 1 }, (_, i) => reports.measure([i + 1]));
    const outcomes = await Promise.allSettled(asked);
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? `${(o.reason as { code?: string }).code}: ${(o.reason as Error).message}` : 'answered'));
    expect(reasons.slice(0, MAX_QUEUED).every((r) => /^UNAVAILABLE: the signature report took longer than 1 ms and was stopped$/.test(r))).toBe(true);
    expect(reasons[MAX_QUEUED]).toMatch(/^UNAVAILABLE: 8 signature reports are already waiting/);
    expect(reports.peakRunning).toBe(1);
    await until(() => reports.running === 0); // each stopped worker is gone
    // a stopped report is not remembered: asked again (with time enough) it is made
    const fresh = new SignatureReports(defaultBls());
    expect(await fresh.measure([1])).toEqual([{ parties: 1, aggregateBytes: 96, perPartyBlsBytes: 96, perPartyEcdsaBytes: 64 }]);
    await expect(reports.measure([1])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  }, 120_000);
});
