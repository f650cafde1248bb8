/**
 * CometBFT peers and ports without a hand-edited file (node/comet-peers.ts, node/cometbft.ts):
 * persistent peers are the other validators of the chain (in force or scheduled) whose signed ads
 * name a CometBFT node; ports are chosen once and remembered; cometbft.json, when present, is
 * checked and overrides. No CometBFT binary needed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src-main/codec/hex';
import type { ValidatorInfo } from '../../src-main/ledger/types';
import type { CometAd, PeerRecord } from '../../src-main/net/peers';
import { cometPeerList, peeringSets, resolveCometPorts } from '../../src-main/node/comet-peers';
import { cometAdOf, readCometSettings } from '../../src-main/node/cometbft';
import { tempDir } from '../support/ledger';

const pk = (i: number) => new Uint8Array(48).fill(i);
const v = (i: number): ValidatorInfo => ({ name: `v${i}`, blsPk: pk(i), pop: new Uint8Array(96), consensusKey: new Uint8Array(32).fill(i) }) as ValidatorInfo;
const rec = (i: number, comet?: CometAd, bad?: string): PeerRecord => ({
  address: `10.0.0.${i}:7000`,
  fingerprint: toHex(new Uint8Array(32).fill(i)),
  blsPk: toHex(pk(i)),
  role: 'hospital',
  name: `v${i}`,
  lastSeen: null,
  ...(bad ? { bad } : {}),
  advertised: { address: `10.0.0.${i}:7000`, time: 1, sig: '00'.repeat(96), ...(comet ? { comet } : {}) },
});
const id = (i: number) => i.toString(16).padStart(2, '0').repeat(20);
const ad = (i: number) => ({ node: id(i), p2p: { hospital: `10.0.0.${i}:26656`, patient: `10.0.0.${i}:26666` } });

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('CometBFT persistent peers learnt from the validators\' ads', () => {
  it('are the other validators in force or scheduled, each from its own ad; the rest are left out', () => {
    const sets = [
      { from: 0, vs: [v(1)] },
      { from: 5, vs: [v(1), v(2)] },
      { from: 20, vs: [v(1), v(2), v(3)] },
    ];
    // at 10 the set of 5 is in force and the set of 20 already scheduled; the founder's set is over
    expect(peeringSets(sets, 10)).toEqual([[v(1), v(2)], [v(1), v(2), v(3)]]);
    expect(peeringSets(sets, 25)).toEqual([[v(1), v(2), v(3)]]);
    const records = [
      rec(2, ad(2)),
      rec(3, ad(3)),
      rec(4, ad(4)), // not a validator: its ad names a CometBFT node, but it is no peer of the chain
      rec(5, undefined), // no CometBFT in its ad
    ];
    expect(cometPeerList('hospital', peeringSets(sets, 10), pk(1), records)).toEqual([`${id(2)}@10.0.0.2:26656`, `${id(3)}@10.0.0.3:26656`]);
    // v2's own view: v1 has no ad yet, v3 does
    expect(cometPeerList('hospital', peeringSets(sets, 10), pk(2), records)).toEqual([`${id(3)}@10.0.0.3:26656`]);
    // a chain the ad names no address for, and a dropped peer
    expect(cometPeerList('social', peeringSets(sets, 10), pk(1), records)).toEqual([]);
    expect(cometPeerList('hospital', peeringSets(sets, 10), pk(1), [rec(2, ad(2), 'served an invalid block'), rec(3, ad(3))])).toEqual([`${id(3)}@10.0.0.3:26656`]);
    // a validator removed at 30: still dialled while block 29 is the last committed (it votes at 30), not after 30
    const removed = [...sets, { from: 30, vs: [v(1), v(3)] }];
    expect(cometPeerList('hospital', peeringSets(removed, 29), pk(1), records)).toEqual([`${id(2)}@10.0.0.2:26656`, `${id(3)}@10.0.0.3:26656`]);
    expect(cometPeerList('hospital', peeringSets(removed, 30), pk(1), records)).toEqual([`${id(3)}@10.0.0.3:26656`]);
  });

  it('this node advertises its node ID and each chain at its peer host, or the address cometbft.json names', () => {
    const ports = { patient: { p2p: 3001, rpc: 3002 }, hospital: { p2p: 3011, rpc: 3012 }, social: { p2p: 3021, rpc: 3022 } };
    expect(cometAdOf(id(7), 'h.example.org:7000', ports, {})).toEqual({ node: id(7), p2p: { patient: 'h.example.org:3001', hospital: 'h.example.org:3011', social: 'h.example.org:3021' } });
    expect(cometAdOf(id(7), '[::1]:7000', ports, { social: { advertise: 'nat.example.org:443' } }).p2p).toEqual({ patient: '[::1]:3001', hospital: '[::1]:3011', social: 'nat.example.org:443' });
    expect(() => cometAdOf('not an id', 'h:7000', ports, {})).toThrow(/40 lowercase hex/);
  });

  it('ports are chosen once and remembered; explicit ones win', async () => {
    const dir = tempDir('comet-ports-');
    dirs.push(dir);
    const first = await resolveCometPorts(dir, {});
    const again = await resolveCometPorts(dir, {});
    expect(again).toEqual(first);
    expect(new Set(Object.values(first).flatMap((p) => [p.p2p, p.rpc])).size).toBe(6);
    expect((await resolveCometPorts(dir, { hospital: { p2p: 26656 } })).hospital).toEqual({ p2p: 26656, rpc: first.hospital.rpc });
    expect(JSON.parse(readFileSync(join(dir, 'cometbft', 'ports.json'), 'utf8')).hospital).toEqual(first.hospital);
    writeFileSync(join(dir, 'cometbft', 'ports.json'), JSON.stringify({ hospital: { p2p: 70000, rpc: 1 } }));
    await expect(resolveCometPorts(dir, {})).rejects.toThrow(/ports\.json is invalid.*hospital\.p2p/);
  });

  it('cometbft.json is checked: a bad field is an error naming it', () => {
    const dir = tempDir('comet-settings-');
    dirs.push(dir);
    mkdirSync(join(dir, 'cometbft'));
    const write = (o: unknown) => writeFileSync(join(dir, 'cometbft', 'cometbft.json'), JSON.stringify(o));
    expect(readCometSettings(dir)).toEqual({});
    write({ hospital: { p2p: 26656, host: '0.0.0.0', peers: [`${id(2)}@10.0.0.2:26656`], advertise: 'h.example.org:26656' } });
    expect(readCometSettings(dir).hospital?.peers).toEqual([`${id(2)}@10.0.0.2:26656`]);
    for (const [bad, why] of [
      [{ hospital: { peers: ['nodeid@10.0.0.2:26656'] } }, /hospital\.peers\.0 must be "<40 hex node id>@host:port"/],
      [{ hospital: { p2p: 0 } }, /hospital\.p2p/],
      [{ hospital: { advertise: '0.0.0.0:26656' } }, /hospital\.advertise must be a dialable host:port/],
      [{ ledger: {} }, /ledger/],
      [{ hospital: { prots: 1 } }, /prots/],
    ] as const) {
      write(bad);
      expect(() => readCometSettings(dir)).toThrow(why);
    }
  });
});
