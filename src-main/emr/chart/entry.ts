/**
 * One record's chart entry, made from its plaintext: its labels with their reasons (re-derived from
 * the resource, plus what the chain says beyond that), its card facts, title and clinical date.
 */
import type { LabelsBody } from '../../ledger/rules/hospital';
import { classifyResource } from '../classify/index';
import type { Category, Labels, SensitivityCode } from '../labels';
import type { FhirResource } from '../../../src-shared/vocabulary';
import type { ChartEntry } from './cache';
import { cardFacts, titleOf } from './facts';
import { clinicalDate } from './fhir-read';

export const labelsWithReasons = (chainLabels: { category: string; sensitivity: string[]; confidentiality: string } | null, resource: FhirResource | null): Labels => {
  const fresh = resource ? classifyResource(resource) : null;
  const base: Labels = fresh ?? { category: 'other', sensitivity: [], confidentiality: 'N', reasons: [] };
  if (!chainLabels) return base;
  // Labels on the chain that this resource alone does not explain were given when it was stored (from a
  // record it refers to in its bundle, or raised by a clinician): say so rather than guess which.
  const sameConf = chainLabels.confidentiality === base.confidentiality;
  const reasons = base.reasons.filter((r) => sameConf || !/^(?:default|confidentiality-)/.test(r.rule));
  for (const s of chainLabels.sensitivity) if (!base.sensitivity.includes(s as SensitivityCode)) reasons.push({ label: s, rule: 'stored-label' });
  if (!sameConf) reasons.push({ label: chainLabels.confidentiality, rule: 'stored-label' });
  return { category: chainLabels.category as Category, sensitivity: chainLabels.sensitivity as SensitivityCode[], confidentiality: chainLabels.confidentiality as Labels['confidentiality'], reasons };
};
export const makeEntry = (resource: FhirResource, chainLabels: LabelsBody | null): ChartEntry => ({
  resource, labels: labelsWithReasons(chainLabels, resource), facts: cardFacts(resource), title: titleOf(resource), date: clinicalDate(resource)?.date,
});
