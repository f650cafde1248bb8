/** `trichain enrolment-request --data DIR`: on a patient's laptop, prints its enrolment request again. */
import { makeEnrolmentRequest } from '../../emr/enrol';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = "print this patient node's enrolment request (public keys only) for a hospital";

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' } });
  const node = await openNode(requireOpt(values.data, '--data DIR'), io, { verify: false });
  try {
    if (node.config.role !== 'patient') throw new CliError('only a patient node makes an enrolment request', 2);
    io.out(makeEnrolmentRequest(node.identity));
    return 0;
  } finally {
    node.close();
  }
}
