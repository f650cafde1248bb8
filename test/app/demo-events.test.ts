/**
 * What the demo passes on to the UI (app/session.ts): only the acting role's blob fetches become
 * `blobs.fetched` events. Every open screen reloads on that event; while the other demo nodes
 * fetched the ciphertexts of a large import, passing theirs on made an open chart re-read all its
 * records every few seconds (timing.spec: 6 full reloads in 15 s, none with the filter).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSession } from '../../src-main/app/session';
import { DEMO_ROLE_ORDER } from '../../src-main/app/demo-roles';
import type { TrichainEvent } from '../../src-shared/api';
import { tempDir } from '../support/ledger';

const dir = tempDir('demo-events-');
const events: TrichainEvent[] = [];
let s: AppSession;

beforeAll(async () => {
  s = await AppSession.open({ dataDir: dir, emit: (e) => events.push(e), demoQuorum: false });
  await s.startDemo();
}, 300_000);
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo\'s events', () => {
  it('pass on the acting role\'s blob fetches, not the other nodes\'', () => {
    const fetched = () => events.filter((e) => e.type === 'blobs.fetched');
    const acting = s.active!;
    const others = DEMO_ROLE_ORDER.filter((id) => id !== acting && s.demo!.runtime(id));
    expect(others.length).toBeGreaterThan(0);
    const before = fetched().length;
    for (const id of others) s.demo!.runtime(id)!.emit('fetched', { blobs: 3 });
    expect(fetched().length).toBe(before);
    s.demo!.runtime(acting as (typeof DEMO_ROLE_ORDER)[number])!.emit('fetched', { blobs: 2 });
    expect(fetched().slice(before)).toEqual([{ type: 'blobs.fetched', payload: { count: 2 } }]);
  });
});
