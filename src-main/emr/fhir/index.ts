export {
  parseBundle,
  toBundle,
  resourceKey,
  referencesOf,
  parseReference,
  patientOf,
  groupByPatient,
  BUNDLE_TYPES_ACCEPTED,
  DEFAULT_FULLURL_BASE,
} from './bundle';
export type { ParsedBundle, PatientGroups, ToBundleOptions, AcceptedBundleType } from './bundle';
