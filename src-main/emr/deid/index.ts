export { deidentify, isAgeOver89 } from './safeHarbor';
export { generalizeZip, SAFE_HARBOR_KINDS, RESTRICTED_ZIP3, DEID_SYSTEMS, DEID_DECISIONS, FREE_TEXT_POLICY, AGE_90_OR_OLDER, DROPPED_RESOURCE_TYPES } from './policy';
export type { DeidOptions, DeidReport, SafeHarborKind, KindCount } from './policy';
export { assertSafeHarbor } from './check';
export type { SafeHarborFinding, CheckOptions } from './check';
export { packageToCsv, packageRows, CSV_COLUMNS } from './csv';
export type { CsvRow } from './csv';
export { pseudonym, patientPseudonym, pseudonymizer, PSEUDONYM_KEY_BYTES } from './pseudonym';
export { collectSensitive, makeScrubber } from './sensitive';
