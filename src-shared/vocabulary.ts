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
