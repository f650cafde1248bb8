/**
 * Security labels from HL7's Healthcare Privacy and Security Classification System (HCS):
 * one category, zero or more sensitivity codes (v3-ActCode InformationSensitivityPolicy) and one
 * confidentiality code (v3-Confidentiality). Every label carries the reasons that produced it.
 */

export { CATEGORIES, SENSITIVITY_CODES, CONFIDENTIALITY_ORDER, confidentialityRank } from '../../src-shared/vocabulary';
export type { Category, SensitivityCode, Confidentiality } from '../../src-shared/vocabulary';
import type { Category, Confidentiality, SensitivityCode } from '../../src-shared/vocabulary';

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
  /** The coding's display (or the rule's display for the code), so the reason can be said in words. */
  display?: string;
}

export interface Labels {
  category: Category;
  sensitivity: SensitivityCode[];
  confidentiality: Confidentiality;
  reasons: LabelReason[];
}

