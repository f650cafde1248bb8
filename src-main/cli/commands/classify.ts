/**
 * `trichain classify FILE.json`: labels every resource of a FHIR Bundle (or a single resource) and prints
 * a JSON array on stdout: [{ resourceType, id, category, sensitivity, confidentiality, reasons }]; each reason
 * keeps its rule id and path and adds `why`, the same sentence the app shows (src-shared/explain.ts).
 * Unreadable or malformed input: a message on stderr, exit 1, nothing on stdout.
 */
import { readFile } from 'node:fs/promises';
import { CliError, type CliIO } from '../io';
import { classifyBundle, classifyResources, isResource, RULES_VERSION } from '../../emr/classify';
import { explainLabel } from '../../../src-shared/explain';

export const summary = 'label each resource of a FHIR Bundle/resource file (HCS category, sensitivity, confidentiality)';

const USAGE = 'usage: trichain classify FILE.json [--compact]';

export async function run(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    io.out(`rules version ${RULES_VERSION}`);
    return 0;
  }
  const compact = argv.includes('--compact');
  const files = argv.filter((a) => !a.startsWith('--'));
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--compact');
  if (unknown.length) throw new CliError(`unknown option ${unknown[0]}\n${USAGE}`, 2);
  if (files.length !== 1) throw new CliError(USAGE, 2);
  const file = files[0];

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`, 1);
  }
  if (!isResource(doc)) throw new CliError(`${file} is not a FHIR resource or Bundle (no resourceType)`, 1);

  let entries;
  try {
    entries = doc.resourceType === 'Bundle' ? classifyBundle(doc) : classifyResources([doc]);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`, 1);
  }
  const out = entries.map((e) => ({
    resourceType: e.resourceType,
    id: e.id ?? null,
    category: e.labels.category,
    sensitivity: e.labels.sensitivity,
    confidentiality: e.labels.confidentiality,
    reasons: e.labels.reasons.map((r) => ({ ...r, why: explainLabel(r, { resourceType: e.resourceType }) })),
  }));
  io.out(compact ? JSON.stringify(out) : JSON.stringify(out, null, 2));
  return 0;
}
