/**
 * Child process for the import crash test (test/node/import-crash.test.ts): opens a hospital node
 * (which resumes any act a previous kill interrupted), commits what is pending as the daemon's
 * producer does at start, then imports the demo bundles in small blocks until it is killed with
 * SIGKILL at an arbitrary moment. Prints READY when it starts importing and DONE if it finishes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrichainNode } from '../../src-main/node/node';
import { importBundle } from '../../src-main/emr/records';

export const CRASH_BUNDLES = ['Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json', 'Laurie_McCullough_8a417ce8-b525-42ab-a2be-651291f73c8c.json'];
export const bundlePath = (f: string): string => join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src-main', 'emr', 'demo', 'bundles', f);

if (process.argv[1]?.endsWith('import-crash-child.ts')) {
  const [dir, passphrase, batch] = process.argv.slice(2);
  const node = await TrichainNode.open(dir, { passphrase });
  node.commitPending('hospital');
  node.commitPending('patient');
  process.stdout.write('READY\n');
  for (const f of CRASH_BUNDLES) await importBundle(node, JSON.parse(readFileSync(bundlePath(f), 'utf8')), { batch: Number(batch) });
  process.stdout.write('DONE\n');
  node.close();
}
