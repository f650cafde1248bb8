/**
 * Security labels from HL7's Healthcare Privacy and Security Classification System (HCS):
 * one category, zero or more sensitivity codes (v3-ActCode InformationSensitivityPolicy) and one
 * confidentiality code (v3-Confidentiality). Every label carries the reasons that produced it.
 */

export { CATEGORIES, SENSITIVITY_CODES, CONFIDENTIALITY_ORDER, confidentialityRank } from '../../src-shared/vocabulary';
export type { Category, SensitivityCode, Confidentiality } from '../../src-shared/vocabulary';
import type { Category, Confidentiality, SensitivityCode } from '../../src-shared/vocabulary';
import type { ReasonLike } from '../../src-shared/explain';

export const HCS_SYSTEMS = {
  sensitivity: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
} as const;

/** Why a label was given: one shape for the node and the UI (src-shared/explain.ts). */
export type LabelReason = ReasonLike;

export interface Labels {
  category: Category;
  sensitivity: SensitivityCode[];
  confidentiality: Confidentiality;
  reasons: LabelReason[];
}

