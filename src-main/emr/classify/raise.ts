/**
 * A clinician raises labels (never lowers them): the one way labels change after classification.
 */
import { CONFIDENTIALITY_ORDER, SENSITIVITY_CODES, confidentialityRank, type Confidentiality, type Labels, type SensitivityCode } from '../labels';
import { confidentialityFor, orderCodes } from './engine';

export interface RaiseRequest {
  sensitivity?: SensitivityCode[];
  confidentiality?: Confidentiality;
  /** Present only so that a caller trying to drop codes gets a clear error: labels can only be raised. */
  remove?: SensitivityCode[];
}

/**
 * A clinician raises labels: adds sensitivity codes and/or raises confidentiality, each with a
 * "clinician-raise" reason naming `by`. Lowering confidentiality or removing a code throws.
 */
export function raiseLabels(labels: Labels, raise: RaiseRequest, by: string): Labels {
  if (!by || typeof by !== 'string') throw new Error('raiseLabels: who raised the labels (by) is required');
  if (raise.remove && raise.remove.length > 0) {
    throw new Error(`labels can only be raised: cannot remove ${raise.remove.join(', ')}`);
  }
  for (const c of raise.sensitivity ?? []) {
    if (!(SENSITIVITY_CODES as readonly string[]).includes(c)) throw new Error(`raiseLabels: unknown sensitivity code "${c}"`);
  }
  if (raise.confidentiality !== undefined && !(CONFIDENTIALITY_ORDER as readonly string[]).includes(raise.confidentiality)) {
    throw new Error(`raiseLabels: unknown confidentiality "${raise.confidentiality}"`);
  }
  if (raise.confidentiality !== undefined && confidentialityRank(raise.confidentiality) < confidentialityRank(labels.confidentiality)) {
    throw new Error(`labels can only be raised: confidentiality ${labels.confidentiality} cannot be lowered to ${raise.confidentiality}`);
  }
  const reasons = [...labels.reasons];
  const added = (raise.sensitivity ?? []).filter((c) => !labels.sensitivity.includes(c));
  for (const c of new Set(added)) reasons.push({ label: c, rule: 'clinician-raise', text: by });
  const sensitivity = orderCodes([...labels.sensitivity, ...added]);
  let confidentiality = labels.confidentiality;
  const implied = confidentialityFor(sensitivity);
  for (const candidate of [implied, raise.confidentiality]) {
    if (candidate && confidentialityRank(candidate) > confidentialityRank(confidentiality)) confidentiality = candidate;
  }
  if (confidentiality !== labels.confidentiality) reasons.push({ label: confidentiality, rule: 'clinician-raise', text: by });
  const next: Labels = { category: labels.category, sensitivity, confidentiality, reasons };
  assertNotLowered(labels, next);
  return next;
}

/** Throws unless `after` keeps every sensitivity code of `before` and does not lower confidentiality. */
export function assertNotLowered(before: Labels, after: Labels): void {
  const dropped = before.sensitivity.filter((c) => !after.sensitivity.includes(c));
  if (dropped.length) throw new Error(`labels can only be raised: ${dropped.join(', ')} would be removed`);
  if (confidentialityRank(after.confidentiality) < confidentialityRank(before.confidentiality)) {
    throw new Error(`labels can only be raised: confidentiality ${before.confidentiality} would be lowered to ${after.confidentiality}`);
  }
}
