/**
 * Who is who in the training demo (./demo): the five roles of the role switcher (name, node role,
 * data folder, what a trainer shows in each), the two validator-only hospitals (./demo-quorum), and
 * the words every demo node shares (passphrase, network name, the demo file's name).
 */
import type { NodeRole } from '../node/config';
import { DEMO_VALIDATORS, type DemoValidator } from './demo-quorum';

export type DemoRole = 'stMary' | 'riverside' | 'patient' | 'insurer' | 'research';
/** Every node of the demo: the five roles and the two validator-only hospitals. */
export type DemoNodeKey = DemoRole | DemoValidator;

export interface DemoRoleInfo {
  /** For the role switcher, e.g. "St Mary Hospital — clinician". */
  label: string;
  /** The node's name (node.json, chain membership). */
  name: string;
  nodeRole: NodeRole;
  /** Entity kind on the social chain (entities only). */
  kind?: 'insurer' | 'research';
  /** Data folder under the demo's base folder. */
  dir: string;
  /** What the trainer can show in this role. */
  description: string;
}

export const DEMO_PASSPHRASE = 'trichain-demo';
export const DEMO_NETWORK = 'Trichain demo consortium';
export const DEMO_FILE = 'demo.json';

export const DEMO_ROLES: Readonly<Record<DemoRole, DemoRoleInfo>> = Object.freeze({
  stMary: {
    label: 'St Mary Hospital — clinician',
    name: 'St Mary Hospital',
    nodeRole: 'hospital',
    dir: 'st-mary',
    description:
      'The founding hospital and the validator of all three chains. Holds Milan Beatty (depression: sensitive mental-health records) and Clemente Kreiger (no sensitive category). Show the chart, the labels and their reasons, and answer share requests.',
  },
  riverside: {
    label: 'Riverside Clinic — clinician',
    name: 'Riverside Clinic',
    nodeRole: 'hospital',
    dir: 'riverside',
    description:
      'A second hospital, a member but not a validator: what it writes is relayed to St Mary and committed there. Holds Laurie McCullough (reproductive health) and a recent visit of Milan Beatty.',
  },
  patient: {
    label: 'Milan Beatty — patient',
    name: 'Milan Beatty',
    nodeRole: 'patient',
    dir: 'patient',
    description:
      "Milan's own laptop: it made Milan's keys (no hospital holds them) and enrolled at both hospitals. Holds the patient chain as a light client: block headers with their certificates and only Milan's own entries, each with its inclusion proof; shows Milan's records from both hospitals; grants and revokes consent, each signed with a key for that grantee; shows who accessed what.",
  },
  insurer: {
    label: 'Acme Health Insurance — claims desk',
    name: 'Acme Health Insurance',
    nodeRole: 'entity',
    kind: 'insurer',
    dir: 'insurer',
    description: 'An insurer: replicates only the social chain. Requests categories of data for a stated purpose and verifies the packages it receives.',
  },
  research: {
    label: 'Institute for Outcomes Research — study team',
    name: 'Institute for Outcomes Research',
    nodeRole: 'entity',
    kind: 'research',
    dir: 'research',
    description: 'A research institute: replicates only the social chain. Requests de-identified data for research, verifies provenance and exports it.',
  },
});

export const DEMO_ROLE_ORDER: readonly DemoRole[] = Object.freeze(['stMary', 'riverside', 'patient', 'insurer', 'research'] as const);

/** Name, folder and node role of any demo node, role or validator-only hospital. */
export function nodeInfo(key: DemoNodeKey): { name: string; dir: string; nodeRole: NodeRole; kind?: 'insurer' | 'research' } {
  return key in DEMO_ROLES ? DEMO_ROLES[key as DemoRole] : { ...DEMO_VALIDATORS[key as DemoValidator], nodeRole: 'hospital' };
}

export interface DemoPatient {
  name: string;
  /** BLS public key, hex. */
  pk: string;
  fhirId: string;
  /** The hospital that registered the patient. */
  hospital: DemoRole;
  /** The demo role whose node is this patient's own laptop, if any. */
  laptop?: DemoRole;
}
