/**
 * The label vocabulary of HL7's Healthcare Privacy and Security Classification System as Trichain
 * uses it: the one definition, shared by the node (src-main/emr/labels.ts) and the UI contract.
 * Pure data, no imports, so the renderer can load it.
 */

/** The resource's clinical category (what kind of data it is). */
export const CATEGORIES = [
  'demographics', 'encounter', 'condition', 'observation', 'vital-signs', 'lab', 'medication',
  'procedure', 'immunization', 'allergy', 'imaging', 'note', 'care-plan', 'financial', 'device',
  'administrative', 'other',
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
/** "Healthcare research (HRESCH)": the words first, the code beside them for staff. */
export const purposeLabel = (code: string): string => {
  const d = (PURPOSES as Record<string, string>)[code];
  return d ? `${d[0].toUpperCase()}${d.slice(1)} (${code})` : code;
};
