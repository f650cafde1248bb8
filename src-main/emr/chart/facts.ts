/**
 * What a timeline card says about a resource, by type: an observation's values with units, ranges
 * and components; a medication's dose; a condition's onset and abatement; a goal's text; a note's
 * text; and the date from the element that type defines for it (undated when it has none).
 */
import type { CardFacts } from '../../../src-shared/api/chart';
import { annotations, clinicalDate, clinicalStatus, conceptText, dateOnly, dosageText, noteText, type Json } from './fhir-read';
import { observationValues } from './values';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : []);
const words = (s: string | undefined) => (s ? s.replace(/-/g, ' ') : undefined);
const join = (...parts: (string | undefined | false)[]) => parts.filter(Boolean).join(' · ');

/** A Goal's words: description.text, else its coding's display. */
export const goalText = (r: Json): string | undefined => conceptText(r.description);

/** One line a clinician recognises as the card's title: the concept in words, else the resource type. */
export function titleOf(r: Json & { resourceType: string }): string {
  if (r.resourceType === 'Patient') {
    const n = list(r.name)[0] as { given?: string[]; family?: string } | undefined;
    return n ? `${(n.given ?? []).join(' ')} ${n.family ?? ''}`.trim() || 'Patient' : 'Patient';
  }
  const text = r.resourceType === 'Goal'
    ? goalText(r)
    : conceptText(r.code) ?? conceptText(r.medicationCodeableConcept) ?? conceptText(r.vaccineCode) ?? conceptText(r.type) ?? str(r.description) ?? conceptText(r.category);
  const med = (r.medicationReference as Json | undefined)?.display;
  return (text ?? str(med) ?? r.resourceType).slice(0, 200);
}

function targetLine(t: Json): string | undefined {
  const measure = conceptText(t.measure);
  const q = t.detailQuantity as Json | undefined;
  const range = t.detailRange as Json | undefined;
  let detail = q && typeof q.value === 'number' ? `${str(q.comparator) ?? ''}${q.value}${str(q.unit) ? ` ${q.unit}` : ''}` : str(t.detailString) ?? conceptText(t.detailCodeableConcept);
  if (!detail && range) detail = `${(range.low as Json | undefined)?.value ?? ''}–${(range.high as Json | undefined)?.value ?? ''}`;
  const due = str(t.dueDate);
  const line = join(measure && detail ? `${measure} ${detail}` : detail ?? measure, due && `due ${dateOnly(due)}`);
  return line ? `Target: ${line}` : undefined;
}

function linesOf(r: Json & { resourceType: string }): string[] {
  const status = words(str(r.status));
  switch (r.resourceType) {
    case 'Observation': {
      const interp = conceptText(r.interpretation);
      return [interp && `Interpretation: ${interp}`, status && status !== 'final' && `Status: ${status}`].filter(Boolean) as string[];
    }
    case 'Condition':
    case 'AllergyIntolerance': {
      const onset = dateOnly(str(r.onsetDateTime) ?? str((r.onsetPeriod as Json | undefined)?.start) ?? str(r.onsetString));
      const abated = dateOnly(str(r.abatementDateTime) ?? str((r.abatementPeriod as Json | undefined)?.start) ?? str(r.abatementString));
      const out = [join(words(clinicalStatus(r)) ?? 'status not recorded', onset && `onset ${onset}`, abated && `resolved ${abated}`)];
      if (r.resourceType === 'AllergyIntolerance') {
        const reactions = list(r.reaction).flatMap((x) => list(x.manifestation).map(conceptText)).filter(Boolean);
        out.push(join(str(r.criticality) && `Criticality: ${words(str(r.criticality))}`, reactions.length > 0 && `Reaction: ${reactions.join(', ')}`));
      } else if (conceptText(r.severity)) out.push(`Severity: ${conceptText(r.severity)}`);
      return out.filter(Boolean);
    }
    case 'MedicationRequest':
    case 'MedicationStatement':
    case 'MedicationAdministration': {
      const dose = dosageText(r.dosageInstruction ?? r.dosage);
      const reason = conceptText(r.reasonCode);
      return [join(status && `Status: ${status}`, str(r.intent) && `intent: ${str(r.intent)}`), dose && `Dose: ${dose}`, reason && `Reason: ${reason}`].filter(Boolean) as string[];
    }
    case 'Goal': {
      const achieved = conceptText(r.achievementStatus);
      return [join(words(str(r.lifecycleStatus)), words(achieved)), ...list(r.target).map(targetLine)].filter(Boolean) as string[];
    }
    case 'Immunization':
      return [join(status && `Status: ${status}`, str(r.lotNumber) && `lot ${r.lotNumber}`)].filter(Boolean);
    case 'Procedure':
    case 'Encounter': {
      const reason = conceptText(r.reasonCode);
      const period = r.period as Json | undefined;
      const end = dateOnly(str(period?.end) ?? str((r.performedPeriod as Json | undefined)?.end));
      return [join(status && `Status: ${status}`, r.resourceType === 'Encounter' && str((r.class as Json | undefined)?.code), end && `until ${end}`), reason && `Reason: ${reason}`].filter(Boolean) as string[];
    }
    case 'CarePlan': {
      const acts = [...new Set(list(r.activity).map((a) => conceptText((a.detail as Json | undefined)?.code)).filter(Boolean))];
      return [join(status && `Status: ${status}`), acts.length > 0 && `Activities: ${acts.join(', ')}`].filter(Boolean) as string[];
    }
    case 'DiagnosticReport': {
      const results = list(r.result).map((x) => str(x.display)).filter(Boolean);
      return [join(status && `Status: ${status}`), results.length > 0 && `Results: ${results.join(', ')}`].filter(Boolean) as string[];
    }
    case 'Claim':
    case 'ExplanationOfBenefit': {
      const total = (r.total as Json | undefined) ?? (list(r.total)[0]?.amount as Json | undefined);
      const money = total && typeof total.value === 'number' ? `${total.value.toFixed(2)} ${str(total.currency) ?? ''}`.trim() : undefined;
      return [join(status && `Status: ${status}`, money && `total ${money}`)].filter(Boolean);
    }
    case 'Patient':
      return [join(str(r.gender), str(r.birthDate) && `born ${r.birthDate}`)].filter(Boolean);
    default:
      return status ? [`Status: ${status}`] : [];
  }
}

/** The card's facts for one resource. */
export function cardFacts(r: Json & { resourceType: string }): CardFacts {
  const when = clinicalDate(r);
  const values = r.resourceType === 'Observation' ? observationValues(r) : [];
  const note = r.resourceType === 'DocumentReference' || r.resourceType === 'DiagnosticReport' ? noteText(r) : annotations(r);
  const lines = linesOf(r);
  if (r.resourceType === 'DocumentReference' && str(r.description)) lines.unshift(String(r.description));
  return { undated: !when, dateFrom: when?.from, values: values.length ? values : undefined, lines, note };
}
