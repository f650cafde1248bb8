/**
 * Security labels from HL7's Healthcare Privacy and Security Classification System (HCS):
 * one category, zero or more sensitivity codes (v3-ActCode InformationSensitivityPolicy) and one
 * confidentiality code (v3-Confidentiality). Every label carries the reasons that produced it.
 */

/** The resource's clinical category (what kind of data it is). */
export const CATEGORIES = [
  'demographics', 'encounter', 'condition', 'observation', 'vital-signs', 'lab', 'medication',
  'procedure', 'immunization', 'allergy', 'imaging', 'note', 'care-plan', 'financial', 'device',
  'administrative', 'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Sensitivity codes (v3-ActCode). HIV, PSY, ETH, SDV, GDIS, STD, SEX are required; others optional. */
export const SENSITIVITY_CODES = ['HIV', 'PSY', 'ETH', 'SDV', 'GDIS', 'STD', 'SEX', 'BH', 'SUD', 'OPIOIDUD', 'PSYTHPN', 'ABORTION', 'COGN', '42CFRPart2'] as const;
// 42CFRPart2 (v3-ActCode privacy law: US 42 CFR Part 2, substance use disorder records) is emitted with every
// substance-use label, because consents filter on it (see shared SHIFT consent examples).
export type SensitivityCode = (typeof SENSITIVITY_CODES)[number];

/** Confidentiality (v3-Confidentiality), ordered low to high: L < N < R < V. */
export const CONFIDENTIALITY_ORDER = ['L', 'N', 'R', 'V'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY_ORDER)[number];

export const HCS_SYSTEMS = {
  sensitivity: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
} as const;

export interface LabelReason {
  /** The label this reason supports, e.g. "HIV", "R", or "category:medication". */
  label: string;
  /** Rule id from the versioned rule table, or "clinician-raise" / "reference" / "default". */
  rule: string;
  /** What fired: the code system and code, or the matched text, and where it was found. */
  system?: string;
  code?: string;
  text?: string;
  path?: string;
}

export interface Labels {
  category: Category;
  sensitivity: SensitivityCode[];
  confidentiality: Confidentiality;
  reasons: LabelReason[];
}

export function confidentialityRank(c: Confidentiality): number {
  return CONFIDENTIALITY_ORDER.indexOf(c);
}
