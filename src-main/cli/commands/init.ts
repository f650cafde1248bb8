import { ROLES } from '../../../src-shared/vocabulary';
import type { NodeRole } from '../../node/config';
import { TrichainNode } from '../../node/node';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';

export const summary = 'create a node: identity, keystore and (for a founding hospital) the genesis of all three chains';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    data: { type: 'string' },
    role: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    network: { type: 'string' },
    join: { type: 'boolean', default: false },
  });
  const dir = requireOpt(values.data, '--data DIR');
  const role = requireOpt(values.role, '--role hospital|patient|entity') as NodeRole;
  if (!ROLES.includes(role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`, 2);
  const name = requireOpt(values.name, '--name NAME');
  const passphrase = await io.passphrase('New passphrase: ');
  if (passphrase.length < 8) throw new CliError('passphrase must be at least 8 characters', 2);
  // A hospital founds a new network unless it says it will --join one by invite.
  const found = role === 'hospital' && !values.join;
  const node = await TrichainNode.init(dir, { role, name, passphrase, kind: values.kind, found, network: values.network });
  const s = node.status();
  node.close();
  io.out(`created ${role} node "${name}" in ${node.paths.dir}`);
  io.out(`BLS public key: ${s.identity.blsPublicKey}`);
  if (found) io.out(`founded network "${s.network}" (patient, hospital and social chains; this node is their validator)`);
  else io.out('next: join a network with `trichain join INVITE --data ' + dir + '`');
  return 0;
}
