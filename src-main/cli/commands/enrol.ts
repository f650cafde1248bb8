/**
 * `trichain enrol REQUEST --patient FHIR_ID --data DIR [--name DISPLAY]`: run at a hospital to enrol
 * a patient whose laptop made its own keys. REQUEST is the `trichain-enrol:` line the laptop printed
 * (`trichain init --role patient`, `trichain enrolment-request`) or its `trichain-peer:` join line:
 * public keys and proofs only. Registers the key on the patient chain, binds the records this
 * hospital holds for FHIR_ID to it and wraps their keys for the patient (emr/enrol.ts).
 */
import { defaultBls } from '../../crypto/bls';
import { EnrolError, enrolPatient, parseEnrolmentRequest } from '../../emr/enrol';
import { parse, requireOpt } from '../args';
import { CliError, type CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'enrol a patient: trichain enrol REQUEST --patient FHIR_ID --data DIR (the laptop made the keys)';

const USAGE = 'usage: trichain enrol REQUEST --patient FHIR_ID --data DIR [--name DISPLAY] [--json]';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, patient: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const dir = requireOpt(values.data, '--data DIR');
  const fhirId = requireOpt(values.patient, '--patient FHIR_ID');
  if (positionals.length !== 1) throw new CliError(USAGE, 2);
  try {
    parseEnrolmentRequest(defaultBls(), positionals[0]); // refuse a bad request before asking for the passphrase
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  const node = await openNode(dir, io);
  try {
    let r;
    try {
      r = await enrolPatient(node, { fhirId, request: positionals[0], display: values.name });
    } catch (e) {
      if (e instanceof EnrolError) throw new CliError(e.message, 2);
      throw e;
    }
    if (values.json) io.out(JSON.stringify(r));
    else {
      io.out(`enrolled patient ${fhirId}: key ${r.patient.slice(0, 16)}… (patient chain: ${r.registered})`);
      io.out(`  ${r.linked} record(s) wrapped for the patient${r.bound ? ', provisional id bound to the key' : ''}`);
    }
    return 0;
  } finally {
    node.close();
  }
}
