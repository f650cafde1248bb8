/**
 * Proposing a validator-set change (node/validators.ts), before anyone signs it:
 *   - without --effective-in (DEFAULT_EFFECTIVE_IN) the change's height leaves the other operators
 *     time to sign on the engine the chain runs on: on a chain already on CometBFT (2-3 blocks a
 *     second) the embedded engine's 10 blocks would be seconds, and the change refused as late;
 *   - the newcomer fits the chain's engine: a CometBFT key where the validators run CometBFT (else
 *     the shares would be gathered for a change the rules refuse), none where they do not.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import type { Genesis } from '../../src-main/ledger/types';
import { TrichainNode } from '../../src-main/node/node';
import { DEFAULT_EFFECTIVE_IN, proposeChange, signChange, ValidatorChangeError } from '../../src-main/node/validators';
import type { ValidatorInfo } from '../../src-main/ledger/types';
import { genesisFor, tempDir, testKey } from '../support/ledger';

const bls = defaultBls();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the default height of a validator-set change', () => {
  it('takes effect 2,000 blocks ahead on a CometBFT chain, 10 on an embedded one (--effective-in overrides), and refuses a newcomer that does not fit the engine', async () => {
    const dir = tempDir('vchange-');
    dirs.push(dir);
    const node = await TrichainNode.init(dir, { role: 'hospital', name: 'A', passphrase: 'vchange-passphrase', scrypt: { N: 2 ** 10 } });
    try {
      const me = { name: 'A', sk: node.identity.blsSecretKey, pk: node.identity.blsPublicKey, pop: node.identity.proofOfPossession(), x25519Sk: new Uint8Array(32), x25519Pk: node.identity.x25519PublicKey };
      const b = testKey(bls, 'B');
      const c = testKey(bls, 'C');
      const hospital = () => ({ ...me, role: 'hospital' as const });
      // the hospital chain runs on CometBFT (every validator names its CometBFT key), the patient chain on the embedded engine
      const comet: Genesis = genesisFor('hospital', [me, b], [hospital(), { ...b, role: 'hospital' }]);
      comet.validators = comet.validators.map((v, i) => ({ ...v, consensusKey: new Uint8Array(32).fill(i + 1) }));
      node.ledger.initGenesis(comet);
      node.ledger.initGenesis(genesisFor('patient', [me, b], [hospital(), { ...b, role: 'hospital' }]));
      const third = { name: 'C', blsPk: c.pk, pop: c.pop, consensusKey: new Uint8Array(32).fill(9) };
      const plain: ValidatorInfo = { name: 'C', blsPk: c.pk, pop: c.pop };

      const p = proposeChange(node, { add: [third], chains: ['hospital'] });
      expect(p.changes.hospital!.effectiveHeight).toBe(node.ledger.height('hospital') + DEFAULT_EFFECTIVE_IN.cometbft);
      expect(DEFAULT_EFFECTIVE_IN.cometbft).toBeGreaterThanOrEqual(1000);
      expect(proposeChange(node, { add: [plain], chains: ['patient'] }).changes.patient!.effectiveHeight).toBe(node.ledger.height('patient') + DEFAULT_EFFECTIVE_IN.embedded);
      // the operator's own number wins on either engine
      expect(proposeChange(node, { add: [third], chains: ['hospital'], effectiveIn: 50 }).changes.hospital!.effectiveHeight).toBe(50);
      expect(proposeChange(node, { add: [plain], chains: ['patient'], effectiveIn: 50 }).changes.patient!.effectiveHeight).toBe(50);
      // a change whose height has passed is refused by the signer with what to do, not signed
      const late = { ...p, changes: { hospital: { ...p.changes.hospital!, effectiveHeight: 1 } } };
      expect(() => signChange(node, late)).toThrow(ValidatorChangeError);
      expect(() => signChange(node, late)).toThrow(/propose it again/);

      // a newcomer without a CometBFT key on the CometBFT chain, or with one on the embedded chain
      expect(() => proposeChange(node, { add: [plain], chains: ['hospital'] })).toThrow(/hospital chain's validators run CometBFT: give C's CometBFT key with --consensus-key/);
      expect(() => proposeChange(node, { add: [third], chains: ['patient'] })).toThrow(/patient chain runs on Trichain's own engine .*without --consensus-key/);
      expect(proposeChange(node, { add: [plain], chains: ['patient'] }).changes.patient!.add[0].consensusKey).toBeUndefined();
    } finally {
      node.close();
    }
  });
});
