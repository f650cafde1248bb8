/**
 * The summary a clinician reads before the timeline (the Epic/Cerner "snapshot"): active problems
 * with onset, active medications with dose, allergies, immunizations, goals, the latest of each
 * vital sign and lab with value, unit and reference range, and trends of the numeric ones.
 * Derived from the decrypted resources of one chart; pure, tested in test/chart/summary.test.ts.
 */
import type { ChartSummary, ClinicalValue } from '../../../src-shared/api/chart';
import type { CardFacts } from '../../../src-shared/api/chart';
import { clinicalStatus, codeOf, conceptText, dateOnly, dosageText, type Json } from './fhir-read';
import { goalText, titleOf } from './facts';

export interface SummaryInput {
  recordId: string;
  resource: Json & { resourceType: string };
  facts: CardFacts;
  date?: string;
}

const INACTIVE_CONDITION = new Set(['inactive', 'resolved', 'remission']);
const ACTIVE_MEDICATION = new Set(['active', 'on-hold', 'intended', 'draft']);
const INACTIVE_ALLERGY = new Set(['inactive', 'resolved']);
const MAX_LABS = 40;
const MAX_TRENDS = 12;
const MAX_POINTS = 60;

const categoryCodes = (r: Json): string[] =>
  (Array.isArray(r.category) ? (r.category as Json[]) : []).flatMap((c) => (Array.isArray(c.coding) ? (c.coding as Json[]) : []).map((x) => String(x.code ?? '')));

const newestFirst = <T extends { date?: string }>(a: T, b: T) => (b.date ?? '').localeCompare(a.date ?? '');
const newest = (xs: SummaryInput[]) => [...xs].sort(newestFirst);

export function deriveSummary(entries: SummaryInput[]): ChartSummary {
  const byType = new Map<string, SummaryInput[]>();
  for (const e of entries) {
    const list = byType.get(e.resource.resourceType);
    if (list) list.push(e);
    else byType.set(e.resource.resourceType, [e]);
  }
  const of = (...types: string[]) => newest(types.flatMap((t) => byType.get(t) ?? []));

  const conditions = of('Condition').filter((e) => clinicalStatus(e.resource) !== 'entered-in-error');
  const isActive = (e: SummaryInput) => {
    const s = clinicalStatus(e.resource);
    return s ? !INACTIVE_CONDITION.has(s) : !e.resource.abatementDateTime && !e.resource.abatementPeriod;
  };
  const problems = conditions.filter(isActive).map((e) => ({ recordId: e.recordId, text: titleOf(e.resource), onset: dateOnly(e.date), status: clinicalStatus(e.resource) ?? 'active' }));

  // The newest record of each medication decides whether it is active (a later "stopped" ends it).
  const seenMeds = new Set<string>();
  const medications: ChartSummary['medications'] = [];
  for (const e of of('MedicationRequest', 'MedicationStatement')) {
    const name = titleOf(e.resource);
    if (seenMeds.has(name)) continue;
    seenMeds.add(name);
    const status = String(e.resource.status ?? 'unknown');
    if (!ACTIVE_MEDICATION.has(status)) continue;
    medications.push({ recordId: e.recordId, text: name, dose: dosageText(e.resource.dosageInstruction ?? e.resource.dosage), since: dateOnly(e.date), status });
  }

  const allergies = of('AllergyIntolerance')
    .filter((e) => !INACTIVE_ALLERGY.has(clinicalStatus(e.resource) ?? ''))
    .map((e) => {
      const reactions = (Array.isArray(e.resource.reaction) ? (e.resource.reaction as Json[]) : []).flatMap((x) => (Array.isArray(x.manifestation) ? (x.manifestation as Json[]) : []).map(conceptText));
      return { recordId: e.recordId, text: titleOf(e.resource), criticality: typeof e.resource.criticality === 'string' ? e.resource.criticality : undefined, reaction: reactions.filter(Boolean).join(', ') || undefined };
    });

  const vaccines = new Map<string, ChartSummary['immunizations'][number]>();
  for (const e of of('Immunization')) {
    if (e.resource.status === 'not-done' || e.resource.status === 'entered-in-error') continue;
    const name = titleOf(e.resource);
    const seen = vaccines.get(name);
    if (seen) seen.doses++;
    else vaccines.set(name, { recordId: e.recordId, text: name, date: dateOnly(e.date), doses: 1 });
  }

  const goals = of('Goal')
    .filter((e) => !['cancelled', 'entered-in-error', 'rejected'].includes(String(e.resource.lifecycleStatus)))
    .map((e) => ({ recordId: e.recordId, text: goalText(e.resource) ?? 'Goal (no description)', status: [e.resource.lifecycleStatus, conceptText(e.resource.achievementStatus)].filter(Boolean).join(', ') || undefined }));

  // Observations: the latest of each code, vitals and labs apart; trends of numeric series.
  const latest = new Map<string, { kind: 'vital' | 'lab'; row: ChartSummary['vitals'][number] }>();
  const series = new Map<string, Series>();
  for (const e of of('Observation')) {
    const values = e.facts.values ?? [];
    if (!values.length || e.resource.status === 'entered-in-error' || e.resource.status === 'cancelled') continue;
    const cats = categoryCodes(e.resource);
    const kind = cats.includes('vital-signs') ? 'vital' : cats.includes('laboratory') ? 'lab' : null;
    const code = codeOf(e.resource.code) ?? titleOf(e.resource);
    if (kind && !latest.has(code)) latest.set(code, { kind, row: { recordId: e.recordId, name: titleOf(e.resource), date: e.date, values } });
    if (e.date && kind) for (const v of values) addPoint(series, e, v, code, kind);
  }
  const rows = [...latest.values()];
  const trends = [...series.values()]
    .filter((t) => t.points.length >= 2)
    // Vital signs first (weight, BMI, blood pressure), then the labs measured most often.
    .sort((a, b) => Number(a.kind === 'lab') - Number(b.kind === 'lab') || b.points.length - a.points.length || a.name.localeCompare(b.name))
    .slice(0, MAX_TRENDS)
    .map(({ kind: _kind, ...t }) => ({ ...t, points: t.points.sort((a, b) => a.date.localeCompare(b.date)).slice(-MAX_POINTS) }));
  return {
    problems,
    resolvedProblems: conditions.length - problems.length,
    medications,
    allergies,
    immunizations: [...vaccines.values()],
    goals,
    vitals: rows.filter((r) => r.kind === 'vital').map((r) => r.row).sort(newestFirst),
    labs: rows.filter((r) => r.kind === 'lab').map((r) => r.row).sort(newestFirst).slice(0, MAX_LABS),
    trends,
  };
}

type Series = ChartSummary['trends'][number] & { kind: 'vital' | 'lab' };

function addPoint(series: Map<string, Series>, e: SummaryInput, v: ClinicalValue, obsCode: string, kind: Series['kind']): void {
  if (typeof v.value !== 'number') return;
  const code = v.code ?? obsCode;
  const key = `${code}|${v.unit ?? ''}`;
  let t = series.get(key);
  if (!t) series.set(key, (t = { code, name: v.name ?? titleOf(e.resource), unit: v.unit, range: v.range, points: [], kind }));
  t.points.push({ date: e.date!.slice(0, 10), value: v.value });
}
