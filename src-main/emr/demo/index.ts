/**
 * The training demo's synthetic patients: three unmodified Synthea bundles shipped inside the
 * project (see NOTICE.md for source, commit and licence). Paths resolve relative to this module,
 * so the demo never needs the developer data set in ../shared.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Bundle files in demo order: control, mental health, reproductive health. */
export const DEMO_BUNDLE_FILES = [
  'Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json',
  'Milan_Beatty_e78d0ed2-1b54-4c30-90ae-f7405af1e402.json',
  'Laurie_McCullough_8a417ce8-b525-42ab-a2be-651291f73c8c.json',
] as const;

/** Absolute paths of the demo bundles. */
export function demoBundleFiles(): string[] {
  return DEMO_BUNDLE_FILES.map((f) => fileURLToPath(new URL(`./bundles/${f}`, import.meta.url)));
}

/** Short display name from a Synthea file name: "Milan_Beatty_<uuid>.json" -> "Milan Beatty". */
function nameOf(file: string): string {
  return file.replace(/_[0-9a-f-]{36}\.json$/i, '').replace(/_/g, ' ');
}

/** The demo bundles, parsed as JSON (validate with parseBundle before use). */
export function loadDemoBundles(): { name: string; bundle: unknown }[] {
  return demoBundleFiles().map((p, i) => ({ name: nameOf(DEMO_BUNDLE_FILES[i]), bundle: JSON.parse(readFileSync(p, 'utf8')) as unknown }));
}
