/**
 * The label vocabulary of HL7's Healthcare Privacy and Security Classification System as Trichain
 * uses it: the one definition, shared by the node (src-main/emr/labels.ts) and the UI contract.
 * Pure data, no imports, so the renderer can load it.
 */

/** The resource's clinical category (what kind of data it is). */
export const CATEGORIES = [
  'demographics', 'encounter', 'condition', 'observation', 'vital-signs', 'lab', 'medication',
  'procedure', 'immunization', 'allergy', 'imaging', 'note', 'care-plan', 'financial', 'device',
  'administrative', 'other', 'social-needs',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Sensitivity codes (v3-ActCode). HIV, PSY, ETH, SDV, GDIS, STD, SEX are required; others optional.
 * 42CFRPart2 (US 42 CFR Part 2, substance use disorder records) is emitted with every
 * substance-use label, because consents filter on it (see the SHIFT consent examples).
 */
export const SENSITIVITY_CODES = ['HIV', 'PSY', 'ETH', 'SDV', 'GDIS', 'STD', 'SEX', 'BH', 'SUD', 'OPIOIDUD', 'PSYTHPN', 'ABORTION', 'COGN', '42CFRPart2'] as const;
export type SensitivityCode = (typeof SENSITIVITY_CODES)[number];

/** Confidentiality (v3-Confidentiality), ordered low to high: L < N < R < V. */
export const CONFIDENTIALITY_ORDER = ['L', 'N', 'R', 'V'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY_ORDER)[number];

/** How labels compare: the rank of a confidentiality code (L lowest). */
export function confidentialityRank(c: Confidentiality): number {
  return CONFIDENTIALITY_ORDER.indexOf(c);
}

/** The three chains, in the ledger's order. */
export const CHAINS = ['patient', 'hospital', 'social'] as const;
export type ChainId = (typeof CHAINS)[number];

/** What a node is on the network: its member role on the chains (node.json, invites, peers). */
export const ROLES = ['hospital', 'patient', 'entity'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Who uses the app (the UI's session roles): at a hospital node the user is a clinician. */
export const USER_ROLES = ['clinician', 'patient', 'entity'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Kinds of outside organization (external entities). */
export const ENTITY_KINDS = ['insurer', 'research', 'public-health', 'other'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];


/** A FHIR R4 resource as the node handles it: a JSON object with a resourceType (and usually an id). */
export type FhirResource = { resourceType: string; id?: string; [k: string]: unknown };

/**
 * Purposes of use: HL7 v3 PurposeOfUse codes (http://terminology.hl7.org/CodeSystem/v3-ActReason)
 * with their display names in words. A consent and a share request name one of these; free text is
 * refused by the contract (src-shared/api.ts) before anything is signed.
 */
export const PURPOSES = {
  TREAT: 'treatment',
  ETREAT: 'emergency treatment',
  HPAYMT: 'healthcare payment',
  HOPERAT: 'healthcare operations',
  HRESCH: 'healthcare research',
  PUBHLTH: 'public health',
  HMARKT: 'healthcare marketing',
  PATRQT: 'patient requested',
} as const;
export type PurposeCode = keyof typeof PURPOSES;
export const PURPOSE_CODES = Object.keys(PURPOSES) as [PurposeCode, ...PurposeCode[]];
export function isPurpose(x: unknown): x is PurposeCode {
  return typeof x === 'string' && Object.hasOwn(PURPOSES, x);
}
/** The display name of a purpose code ("healthcare research"), undefined for an unknown code. */
export function purposeDisplay(code: string): string | undefined {
  return isPurpose(code) ? PURPOSES[code] : undefined;
}
/** "Healthcare research (HRESCH)": the words first, the code beside them for staff. */
export const purposeLabel = (code: string): string => {
  const d = (PURPOSES as Record<string, string>)[code];
  return d ? `${d[0].toUpperCase()}${d.slice(1)} (${code})` : code;
};

/**
 * Words for the codes above, for people. `display` is HL7's own display for the code (v3-ActCode,
 * v3-Confidentiality; ABORTION is the SHIFT task force's extra code); `words` is the plain-language
 * name shown first, with the code beside it for staff.
 */
export interface CodeWords {
  display: string;
  words: string;
  /** One sentence on what the code covers, for help text and tooltips. */
  meaning: string;
}

export const SENSITIVITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

export const SENSITIVITY_WORDS: Readonly<Record<SensitivityCode, CodeWords>> = {
  HIV: { display: 'HIV/AIDS information sensitivity', words: 'HIV and AIDS', meaning: 'HIV tests, HIV infection and its treatment.' },
  PSY: { display: 'psychiatry disorder information sensitivity', words: 'Mental health', meaning: 'Psychiatric conditions such as depression, anxiety or psychosis, and their treatment.' },
  ETH: { display: 'substance abuse information sensitivity', words: 'Alcohol and drug use', meaning: 'Misuse of alcohol or drugs and its treatment.' },
  SDV: { display: 'sexual assault, abuse, or domestic violence information sensitivity', words: 'Abuse and violence', meaning: 'Sexual assault, abuse, intimate partner or domestic violence, including a positive screening for them.' },
  GDIS: { display: 'genetic disease information sensitivity', words: 'Genetic conditions', meaning: 'Inherited, familial and hereditary conditions, genetic tests and carrier status.' },
  STD: { display: 'sexually transmitted disease information sensitivity', words: 'Sexually transmitted infections', meaning: 'Infections such as chlamydia, gonorrhoea or syphilis, their tests and treatment.' },
  SEX: { display: 'sexuality and reproductive health information sensitivity', words: 'Sexual and reproductive health', meaning: 'Sexuality, pregnancy, contraception, fertility and other reproductive care.' },
  BH: { display: 'behavioral health information sensitivity', words: 'Behavioral health', meaning: 'Mental health and substance use care taken together.' },
  SUD: { display: 'substance use disorder information sensitivity', words: 'Substance use disorder', meaning: 'A diagnosed substance use disorder and its treatment.' },
  OPIOIDUD: { display: 'opioid use disorder information sensitivity', words: 'Opioid use disorder', meaning: 'Opioid addiction and medicines that treat it, such as buprenorphine or methadone.' },
  PSYTHPN: { display: 'psychotherapy note information sensitivity', words: 'Psychotherapy notes', meaning: "A therapist's own notes of a session, kept apart from the rest of the record." },
  ABORTION: { display: 'Abortion-related information (SHIFT extra sensitivity code)', words: 'Abortion', meaning: 'Termination of pregnancy and the medicines or procedures for it.' },
  COGN: { display: 'cognitive disability information sensitivity', words: 'Cognitive disability', meaning: 'Conditions such as dementia that affect memory and thinking.' },
  '42CFRPart2': { display: '42 CFR Part2', words: 'Substance use treatment records (42 CFR Part 2)', meaning: 'Records of substance use disorder treatment, which US federal law (42 CFR Part 2) protects specially.' },
};

export const CONFIDENTIALITY_WORDS: Readonly<Record<Confidentiality, CodeWords>> = {
  L: { display: 'low', words: 'Low', meaning: 'De-identified: it no longer says who the patient is.' },
  N: { display: 'normal', words: 'Normal', meaning: 'Ordinary health information, shared for care as usual.' },
  R: { display: 'restricted', words: 'Restricted', meaning: 'Sensitive: shared only when the patient consents to it.' },
  V: { display: 'very restricted', words: 'Very restricted', meaning: 'Most sensitive, such as psychotherapy notes: shared only with named people.' },
};

export const CATEGORY_WORDS: Readonly<Record<Category, string>> = {
  demographics: 'Personal details',
  encounter: 'Visits',
  condition: 'Conditions and diagnoses',
  observation: 'Observations',
  'vital-signs': 'Vital signs',
  lab: 'Laboratory results',
  medication: 'Medications',
  procedure: 'Procedures',
  immunization: 'Immunizations',
  allergy: 'Allergies',
  imaging: 'Imaging',
  note: 'Clinical notes',
  'care-plan': 'Care plans and goals',
  financial: 'Claims and billing',
  device: 'Devices and supplies',
  administrative: 'Administrative records',
  other: 'Other records',
  'social-needs': 'Social needs (food, housing, money, work)',
};

