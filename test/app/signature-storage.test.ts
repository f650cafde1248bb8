/**
 * Issue 13, finding 6: one `storage.signatures` call with large inputs froze the engine. The
 * report is now bounded, made in slices that yield to the event loop, one at a time, and remembered.
 */
import { describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import { MAX_REPORT_SIGNATURES, SignatureReports } from '../../src-main/app/signature-storage';

describe('the signature storage report', () => {
  it('yields to the event loop while it runs: a timer set at the start fires long before it ends', async () => {
    const reports = new SignatureReports(defaultBls());
    const parties = [64, 64, 64, 64];
    let endedAt = 0;
    let tickedAt = 0;
    const started = performance.now();
    const ticked = new Promise<void>((resolve) => setTimeout(() => ((tickedAt = performance.now()), resolve()), 0));
    const report = reports.measure(parties).then((rows) => ((endedAt = performance.now()), rows));
    await ticked;
    const rows = await report;
    expect(tickedAt).toBeLessThan(endedAt);
    // many slices, so that no other call waits for the whole report
    expect(reports.slices).toBeGreaterThan(4);
    expect(tickedAt - started).toBeLessThan((endedAt - started) / 2);
    expect(rows.map((r) => r.parties)).toEqual(parties);
    expect(rows.every((r) => r.aggregateBytes === 96 && r.perPartyBlsBytes === r.parties * 96 && r.perPartyEcdsaBytes === r.parties * 64)).toBe(true);
  });

  it('refuses more than its limit, and answers a report it already made from memory', async () => {
    const reports = new SignatureReports(defaultBls());
    await expect(reports.measure([MAX_REPORT_SIGNATURES, 1])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const first = reports.measure([1, 2]);
    const again = reports.measure([1, 2]);
    expect(again).toBe(first);
    expect(await again).toHaveLength(2);
  });
});
