import { ROLES } from '../../../src-shared/vocabulary';
import { KeystoreError, recoveryPhrase } from '../../crypto/identity';
import { nodeValidatorKey } from '../../consensus/cometbft/home';
import { cometbftBinary, MISSING_COMETBFT } from '../../consensus/cometbft/process';
import { makeEnrolmentRequest } from '../../emr/enrol';
import type { NodeRole } from '../../node/config';
import { TrichainNode } from '../../node/node';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';

export const summary = 'create a node: identity, keystore and (for a founding hospital) the genesis of all three chains; --restore from a recovery phrase';

export const RECOVERY_ENV = 'TRICHAIN_RECOVERY_PHRASE';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    data: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    network: { type: 'string' },
    join: { type: 'boolean', default: false },
    restore: { type: 'boolean', default: false },
    engine: { type: 'string', default: 'embedded' },
  });
  const dir = requireOpt(values.data, '--data DIR');
  const role = requireOpt(values.role, '--role hospital|patient|entity') as NodeRole;
  if (!ROLES.includes(role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`, 2);
  const name = requireOpt(values.name, '--name NAME');
  // A hospital founds a new network unless it says it will --join one by invite.
  const found = role === 'hospital' && !values.join && !values.restore;
  let restore: string | undefined;
  if (values.restore) {
    restore = io.env[RECOVERY_ENV] ?? (io.secret ? await io.secret('Recovery phrase (24 words): ', RECOVERY_ENV) : undefined);
    if (!restore) throw new CliError(`--restore: no recovery phrase (set ${RECOVERY_ENV} or run in a terminal)`, 2);
  }
  if (values.engine !== 'embedded' && values.engine !== 'cometbft') throw new CliError('--engine must be embedded or cometbft', 2);
  // --engine cometbft: the founder's CometBFT key goes into the genesis validator set, so that the
  // chains move to CometBFT once the set grows (validators add --consensus-key), docs/consensus.md.
  let consensusKey: Uint8Array | undefined;
  if (values.engine === 'cometbft') {
    if (!found) throw new CliError('--engine cometbft is for a founding hospital (a joining validator names its key when it is added)', 2);
    const binary = cometbftBinary(io.env as NodeJS.ProcessEnv);
    if (!binary) throw new CliError(MISSING_COMETBFT, 3);
    consensusKey = nodeValidatorKey(binary, dir).consensusKey;
  }
  const passphrase = await io.passphrase('New passphrase: ');
  if (passphrase.length < 8) throw new CliError('passphrase must be at least 8 characters', 2);
  let node: TrichainNode;
  try {
    node = await TrichainNode.init(dir, { role, name, passphrase, kind: values.kind, found, network: values.network, restore, consensusKey });
  } catch (e) {
    if (e instanceof KeystoreError) throw new CliError(e.message, 2);
    throw e;
  }
  const s = node.status();
  const phrase = role === 'patient' && !restore ? recoveryPhrase(node.identity) : null;
  const request = role === 'patient' ? makeEnrolmentRequest(node.identity) : null;
  node.close();
  io.out(`${restore ? 'restored' : 'created'} ${role} node "${name}" in ${node.paths.dir}`);
  io.out(`BLS public key: ${s.identity.blsPublicKey}`);
  if (phrase) {
    io.out('');
    io.out('Recovery phrase (write it down now; it is shown only this once and restores your keys on a new device');
    io.out('with `trichain init --role patient --restore`; anyone holding it can act as you):');
    io.out(`  ${phrase}`);
    io.out('');
  }
  if (request) {
    io.out('Enrolment request (give it to your hospital; it holds public keys only: `trichain enrol REQUEST --patient ID`):');
    io.out(request);
  }
  if (found) io.out(`founded network "${s.network}" (patient, hospital and social chains; this node is their validator)`);
  else io.out('next: join a network with `trichain join INVITE --data ' + dir + '`');
  return 0;
}
