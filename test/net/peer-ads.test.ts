/**
 * Issue 13, finding 6: a pinned validator's address could be rewritten by any peer's unsigned
 * advertisement. Ads are now signed by the advertised node over (fingerprint, key, address, time);
 * a hostile peer's unsigned, foreign-signed, tampered, expired, future-dated or replayed ads, and
 * ads for another key, are refused with their reason and leave peers.json as it was.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrichainNode } from '../../src-main/node/node';
import { PeerList } from '../../src-main/net/peers';
import { CHAINS } from '../../src-shared/vocabulary';
import { MAX_AD_AGE_MS, mergePeerAds, ownBindingLine, peerAds, signPeerAd, type PeerAd } from '../../src-main/node/peer-ads';
import { cometPeersOf } from '../../src-main/node/comet-peers';
import { tempDir } from '../support/ledger';

const fast = { N: 2 ** 10 };
const fp = () => randomBytes(32).toString('hex');

describe('validator address advertisements', () => {
  let validator: TrichainNode;
  let node: TrichainNode;
  let third: TrichainNode;
  let hostile: TrichainNode;
  const fpV = fp();
  const fpN = fp();

  beforeAll(async () => {
    const init = (name: string, found = false) => TrichainNode.init(tempDir('peer-ads-'), { role: 'hospital', name, passphrase: 'pass', scrypt: fast, ...(found ? { found: true, network: 'ads' } : {}) });
    validator = await init('Validator', true);
    node = await init('Node');
    third = await init('Third');
    hostile = await init('Hostile');
    for (const n of [node, third, hostile]) for (const c of CHAINS) n.ledger.initGenesis(validator.ledger.genesis(c));
  }, 60_000);
  afterAll(() => {
    for (const n of [validator, node, third, hostile]) n?.close();
  });

  const addressOf = (n: TrichainNode) => PeerList.load(n.paths.dir).get(fpV)?.address;
  const peersFile = (n: TrichainNode) => readFileSync(PeerList.pathIn(n.paths.dir), 'utf8');
  /** Merges ads into `node`; returns how many addresses changed and why each ad was not taken. */
  const merge = (ads: unknown[]) => {
    const why: string[] = [];
    const changed = mergePeerAds(node, fpN, ads, { onRefused: (r) => why.push(r.reason) });
    return { changed, why };
  };

  it("a validator's own signed ad is pinned; a hostile peer's ads for it are refused, each with its reason, and change nothing", () => {
    // the operator pinned the validator from its invite (no signed address yet)
    PeerList.load(node.paths.dir).upsert({ address: '127.0.0.1:7001', fingerprint: fpV, blsPk: validator.publicKeyHex, role: 'hospital', name: 'Validator', binding: ownBindingLine(validator, fpV), lastSeen: null, source: 'invite' });
    const binding = ownBindingLine(validator, fpV);
    const now = Date.now();
    let before = peersFile(node);
    // unsigned (the old format), signed by the hostile node's key, by nobody at all, or garbage;
    // and an ad for another key: the hostile node's own binding claiming the validator's fingerprint
    const forged: unknown[] = [
      { binding, address: '10.6.6.6:9999' },
      { binding, address: '10.6.6.6:9999', time: now, sig: signPeerAd(hostile, fpV, '10.6.6.6:9999', now).sig },
      { binding, address: '10.6.6.6:9999', time: now, sig: '00'.repeat(96) },
      { binding, address: '10.6.6.6:9999', time: now, sig: 'zz' },
      signPeerAd(hostile, fpV, '10.6.6.6:9999', now),
      { binding: 'trichain-peer:garbage', address: '10.6.6.6:9999', time: now, sig: '00'.repeat(96) },
      'not an ad',
    ];
    expect(merge(forged)).toEqual({ changed: 0, why: ['unsigned', 'bad signature', 'bad signature', 'unsigned', 'the fingerprint is pinned to another key', 'malformed binding', 'malformed'] });
    expect(peersFile(node)).toBe(before);

    // the validator's own ad moves it
    const own = signPeerAd(validator, fpV, '127.0.0.1:7002', now - 60_000);
    expect(merge([own])).toEqual({ changed: 1, why: [] });
    expect(addressOf(node)).toBe('127.0.0.1:7002');
    before = peersFile(node);

    // its signed ad with another address put in, an old ad of its own replayed, an expired or future-dated one
    const old = signPeerAd(validator, fpV, '10.6.6.6:9999', now - 120_000);
    const stale = signPeerAd(validator, fpV, '10.6.6.6:9999', now - MAX_AD_AGE_MS - 1000);
    const future = signPeerAd(validator, fpV, '10.6.6.6:9999', now + 3600_000);
    expect(merge([{ ...own, address: '10.6.6.6:9999', time: now }, old, stale, future, { ...own, time: now }, own])).toEqual({
      changed: 0,
      why: ['bad signature', 'not newer than the ad already taken', 'expired', 'dated in the future', 'bad signature'],
    });
    expect(peersFile(node)).toBe(before);
    expect(PeerList.load(node.paths.dir).get(fpV)?.advertised?.time).toBe(now - 60_000);

    // a hostile node's own binding and ad: it is not a validator, so it is not pinned
    const hostileAd = signPeerAd(hostile, fp(), '10.6.6.6:9998', now);
    expect(merge([hostileAd])).toEqual({ changed: 0, why: ['not a validator here (yet)'] });
    expect(peersFile(node)).toBe(before);
  });

  it('relaying nodes pass on the validator-signed ad, which a third node accepts', () => {
    const relayed = peerAds(node, null);
    expect(relayed).toHaveLength(1);
    expect(mergePeerAds(third, fp(), relayed)).toBe(1);
    expect(addressOf(third)).toBe('127.0.0.1:7002');
    // a relay that rewrites the address on the way is ignored
    const tampered: PeerAd[] = relayed.map((a) => ({ ...a, address: '10.6.6.6:9999', time: a.time + 1 }));
    expect(mergePeerAds(third, fp(), tampered)).toBe(0);
    expect(addressOf(third)).toBe('127.0.0.1:7002');
  });

  it("a validator's CometBFT node ID and P2P addresses ride in its signed ad: malformed, unroutable or altered ones are refused and change nothing; the others' CometBFT peers come from it", () => {
    const nodeId = 'ab'.repeat(20);
    const comet = { node: nodeId, p2p: { patient: '127.0.0.1:26001', hospital: '127.0.0.1:26011', social: '127.0.0.1:26021' } };
    const now = Date.now();
    const before = peersFile(node);
    const bad = (c: unknown) => ({ ...signPeerAd(validator, fpV, '127.0.0.1:7002', now), comet: c }) as PeerAd;
    const signed = signPeerAd(validator, fpV, '127.0.0.1:7002', now, comet);
    expect(merge([
      bad({ ...comet, node: 'AB'.repeat(20) }), // not lowercase hex
      bad({ ...comet, node: 'ab'.repeat(19) }), // 38 characters
      bad({ ...comet, p2p: { ...comet.p2p, ledger: '127.0.0.1:1' } }), // no such chain
      bad({ ...comet, p2p: { hospital: '0.0.0.0:26011' } }), // a wildcard, not an address to dial
      bad({ ...comet, p2p: { hospital: 'no port' } }),
      bad({ ...comet, extra: 1 }),
      { ...signed, comet: { ...comet, node: 'cd'.repeat(20) } }, // another node ID under the validator's signature
      { ...signed, comet: undefined }, // stripped: the signature covered it
    ]).why.map((w) => w.replace(/:.*/, ''))).toEqual([
      'malformed CometBFT peer', 'malformed CometBFT peer', 'malformed CometBFT peer', 'CometBFT P2P address for hospital is not dialable',
      'malformed CometBFT peer', 'malformed CometBFT peer', 'bad signature', 'bad signature',
    ]);
    expect(peersFile(node)).toBe(before);
    expect(cometPeersOf(node, 'hospital')).toEqual([]);

    // a non-validator's CometBFT ad is not taken either
    expect(merge([signPeerAd(hostile, fp(), '10.6.6.6:9998', now, { node: 'ef'.repeat(20), p2p: { hospital: '10.6.6.6:26656' } })]).why).toEqual(['not a validator here (yet)']);

    // an oversized answer: only its first 256 ads are read, the sound one after them is not
    expect(merge([...Array(256).fill('junk'), signed]).why).toEqual(Array(256).fill('malformed'));
    expect(PeerList.load(node.paths.dir).get(fpV)?.advertised?.comet).toBeUndefined();

    expect(merge([signed])).toEqual({ changed: 0, why: [] }); // same peer address: only the CometBFT part is new
    expect(PeerList.load(node.paths.dir).get(fpV)?.advertised?.comet).toEqual(comet);
    expect(cometPeersOf(node, 'hospital')).toEqual([`${nodeId}@127.0.0.1:26011`]);
    expect(cometPeersOf(node, 'patient')).toEqual([`${nodeId}@127.0.0.1:26001`]);
    // the validator itself does not peer with itself
    expect(cometPeersOf(validator, 'hospital')).toEqual([]);

    // relayed unchanged, taken by a third node
    const relayed = peerAds(node, null);
    expect(relayed[0].comet).toEqual(comet);
    mergePeerAds(third, fp(), relayed);
    expect(cometPeersOf(third, 'social')).toEqual([`${nodeId}@127.0.0.1:26021`]);
  });
});
