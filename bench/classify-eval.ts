/**
 * Scores the classifier on the labelled evaluation set (bench/data/classify-eval.json, built by
 * scripts/build-classify-evalset.ts): recall and precision per sensitivity code (and "R" for a restricted
 * or higher confidentiality), per group and overall, and which rules produced the true and false
 * positives, with each rule's provenance from the rule table.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyBundle, compileRules, getDefaultRules, type CompiledRules } from '../src-main/emr/classify';
import table from '../src-main/emr/classify/rules/v2.json';

export interface EvalGroup {
  name: string;
  source: string;
  scored: string[];
  bundle: { resourceType: 'Bundle'; entry: { fullUrl: string; resource: Record<string, unknown> & { id: string } }[] };
  truth: Record<string, string[]>;
}
export interface Tally { tp: number; fp: number; fn: number }
export interface RuleUse { rule: string; source: string; tp: number; fp: number }
export interface EvalReport {
  groups: { name: string; source: string; resources: number; perCode: Map<string, Tally> }[];
  overall: Map<string, Tally>;
  rules: RuleUse[];
  /** Each miss and false alarm: group, resource id, code, kind. */
  errors: { group: string; id: string; code: string; kind: 'fp' | 'fn' }[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const EVAL_SET_PATH = path.join(here, 'data/classify-eval.json');

export function loadEvalSet(file = EVAL_SET_PATH): { description: string; groups: EvalGroup[] } {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const add = (m: Map<string, Tally>, code: string, k: keyof Tally) => {
  const t = m.get(code) ?? { tp: 0, fp: 0, fn: 0 };
  t[k]++;
  m.set(code, t);
};
export const recall = (t: Tally) => (t.tp + t.fn === 0 ? NaN : t.tp / (t.tp + t.fn));
export const precision = (t: Tally) => (t.tp + t.fp === 0 ? NaN : t.tp / (t.tp + t.fp));

/**
 * The same-run baseline: only the codes of the SHIFT SLS value sets (the rule table's csv-derived code
 * rules), as a system that applied the value sets directly would label.
 */
export function valueSetOnlyRules(): CompiledRules {
  const t = table as { codeRules: { source: string }[] };
  return compileRules({ ...table, codeRules: t.codeRules.filter((r) => r.source.startsWith('csv:')), prefixRules: [], textRules: [], screeningRules: [] });
}

export function evaluate(set = loadEvalSet(), rules: CompiledRules = getDefaultRules()): EvalReport {
  const overall = new Map<string, Tally>();
  const ruleUse = new Map<string, RuleUse>();
  const errors: EvalReport['errors'] = [];
  const groups: EvalReport['groups'] = [];
  for (const g of set.groups) {
    const perCode = new Map<string, Tally>();
    for (const e of classifyBundle(g.bundle, rules)) {
      const truth = new Set(g.truth[e.id!] ?? []);
      const got = new Set<string>(e.labels.sensitivity);
      if (e.labels.confidentiality === 'R' || e.labels.confidentiality === 'V') got.add('R');
      for (const code of g.scored) {
        const t = truth.has(code), p = got.has(code);
        if (!t && !p) continue;
        const kind = t && p ? 'tp' : p ? 'fp' : 'fn';
        add(perCode, code, kind);
        add(overall, code, kind);
        if (kind !== 'tp') errors.push({ group: g.name, id: e.id!, code, kind });
        if (kind === 'fn') continue;
        for (const r of e.labels.reasons.filter((x) => x.label === code)) {
          const u = ruleUse.get(r.rule) ?? { rule: r.rule, source: rules.provenance.get(r.rule) ?? describeBuiltIn(r.rule), tp: 0, fp: 0 };
          u[kind]++;
          ruleUse.set(r.rule, u);
        }
      }
    }
    groups.push({ name: g.name, source: g.source, resources: g.bundle.entry.length, perCode });
  }
  return { groups, overall, rules: [...ruleUse.values()].sort((a, b) => b.tp + b.fp - (a.tp + a.fp) || a.rule.localeCompare(b.rule)), errors };
}

function describeBuiltIn(rule: string): string {
  switch (rule) {
    case 'reference': return 'engine: inherited along a reference (Encounter reason, Claim diagnosis, EOB → Claim, ...)';
    case 'screening-result': return 'engine: a positive screening result refers to this record (focus / partOf / derivedFrom)';
    case 'confidentiality-from-sensitivity': return 'engine: HL7 HCS: any sensitivity code makes the record restricted (R)';
    case 'confidentiality-from-rule': return 'engine: a rule set a restricted (R) floor (social risk)';
    case 'confidentiality-psychotherapy-note': return 'engine: a psychotherapy note is very restricted (V)';
    default: return 'built-in';
  }
}

const pct = (x: number) => (Number.isNaN(x) ? '  -  ' : `${(x * 100).toFixed(0).padStart(3)}%`);

/** The report as printed by `npm run bench`. */
export function formatEvalReport(r: EvalReport): string {
  const lines: string[] = [];
  const codes = [...r.overall.keys()].sort();
  lines.push('recall / precision per code (tp, fp, fn), all groups:');
  for (const c of codes) {
    const t = r.overall.get(c)!;
    lines.push(`  ${c.padEnd(11)} recall ${pct(recall(t))}  precision ${pct(precision(t))}  (tp ${t.tp}, fp ${t.fp}, fn ${t.fn})`);
  }
  lines.push('per group:');
  for (const g of r.groups) {
    const cells = [...g.perCode.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, t]) => `${c} ${pct(recall(t)).trim()}/${pct(precision(t)).trim()}`);
    lines.push(`  ${g.name} (${g.resources} resources): ${cells.join(', ')}`);
  }
  lines.push('rules that fired (true / false positives) and their provenance:');
  for (const u of r.rules) lines.push(`  ${u.rule.padEnd(34)} tp ${String(u.tp).padStart(3)} fp ${String(u.fp).padStart(3)}  ${u.source}`);
  if (r.errors.length) {
    lines.push(`misses and false alarms (${r.errors.length}):`);
    for (const e of r.errors) lines.push(`  ${e.kind} ${e.code.padEnd(11)} ${e.group} ${e.id}`);
  }
  return lines.join('\n');
}
