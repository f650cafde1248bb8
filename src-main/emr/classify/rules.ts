/**
 * The versioned rule table (rules/v2.json): validated with zod at load time and compiled into lookup
 * structures (a system|code map, ICD-10-CM category ranges, case-insensitive regexes with a combined
 * pre-filter, and screening instruments). The table is data; this file only knows how to read it.
 *
 * Every rule names its provenance (`source`: the SHIFT value set, the HL7 definition or the instrument's
 * scoring guide it comes from). A rule's effect is sensitivity codes (`labels`) and/or a confidentiality
 * floor (`confidentiality: "R"`, for social risks that HL7's SHIFT examples mark restricted without a
 * v3-ActCode sensitivity code).
 */
import { z } from 'zod';
import { SENSITIVITY_CODES, type SensitivityCode } from '../labels';
import table from './rules/v2.json';

const sensitivity = z.enum(SENSITIVITY_CODES);
const effect = {
  labels: z.array(sensitivity).default([]),
  confidentiality: z.literal('R').optional(),
};
const hasEffect = (r: { labels: unknown[]; confidentiality?: string }) => r.labels.length > 0 || r.confidentiality !== undefined;
const effectMsg = { message: 'a rule needs labels or a confidentiality' };

const codeRule = z.object({
  id: z.string().min(1),
  system: z.string().min(1),
  code: z.string().min(1),
  display: z.string().optional(),
  ...effect,
  source: z.string().min(1),
}).refine(hasEffect, effectMsg);
const prefixRule = z.object({
  id: z.string().min(1),
  system: z.string().min(1),
  /** Inclusive ranges over the 3-character ICD category, e.g. ["F10","F19"]. */
  ranges: z.array(z.tuple([z.string(), z.string()])).default([]),
  /** Prefixes over the code with dots removed, e.g. "Z6281". */
  prefixes: z.array(z.string()).default([]),
  ...effect,
  source: z.string().min(1),
  note: z.string().optional(),
}).refine(hasEffect, effectMsg);
const textRule = z.object({
  id: z.string().min(1),
  pattern: z.string().min(1),
  ...effect,
  source: z.string().min(1),
  caseSensitive: z.boolean().optional(),
}).refine(hasEffect, effectMsg);
/**
 * A screening instrument or question: it labels a resource only when its answer is positive (a score at
 * or above `positive.min`, an answer code in `positive.codes`, or answer words matching `positive.text`).
 * It is recognised by its codes (Observation.code, a component's code, a QuestionnaireResponse item's
 * LOINC linkId) or by its question wording (`question`).
 */
const screeningRule = z.object({
  id: z.string().regex(/^scr-/, 'screening rule ids start with scr-'),
  name: z.string().min(1),
  codes: z.array(z.object({ system: z.string().min(1), code: z.string().min(1), display: z.string().optional() })).default([]),
  question: z.string().optional(),
  positive: z.object({
    min: z.number().optional(),
    codes: z.array(z.string()).default([]),
    text: z.string().optional(),
  }),
  ...effect,
  source: z.string().min(1),
}).refine(hasEffect, effectMsg);
export const ruleTableSchema = z.object({
  version: z.number().int().positive(),
  description: z.string().optional(),
  systemAliases: z.record(z.string(), z.array(z.string())).default({}),
  codeRules: z.array(codeRule),
  prefixRules: z.array(prefixRule),
  textRules: z.array(textRule),
  screeningRules: z.array(screeningRule).default([]),
});
export type RuleTable = z.infer<typeof ruleTableSchema>;
export type CodeRule = z.infer<typeof codeRule>;
export type PrefixRule = z.infer<typeof prefixRule>;
export type ScreeningRule = z.infer<typeof screeningRule>;

/** What a rule adds: sensitivity codes, and "R" when it sets a restricted confidentiality floor. */
export type LabelKey = SensitivityCode | 'R';
export function effectOf(r: { labels: SensitivityCode[]; confidentiality?: 'R' }): LabelKey[] {
  return r.confidentiality ? [...r.labels, r.confidentiality] : r.labels;
}

export interface CompiledTextRule {
  id: string;
  labels: LabelKey[];
  re: RegExp;
}

export interface CompiledScreeningRule {
  id: string;
  name: string;
  labels: LabelKey[];
  /** canonical system|code of the instrument / question codes */
  codes: Set<string>;
  /** the bare codes, to match a QuestionnaireResponse item's linkId ("/88124-3") */
  bareCodes: Set<string>;
  question?: RegExp;
  min?: number;
  answerCodes: Set<string>;
  answerText?: RegExp;
}

export interface CompiledRules {
  version: number;
  canonicalSystem(system: string | undefined): string | undefined;
  codeIndex: Map<string, CodeRule[]>;
  prefixRules: { rule: PrefixRule; system: string }[];
  textRules: CompiledTextRule[];
  screeningRules: CompiledScreeningRule[];
  /** Every rule id with its provenance (source), for reports and explanations. */
  provenance: Map<string, string>;
  /** One regex that matches wherever any text rule could; strings failing it skip the per-rule pass. */
  textPrefilter: RegExp;
}

export function compileRules(input: unknown): CompiledRules {
  const t = ruleTableSchema.parse(input);
  const alias = new Map<string, string>();
  for (const [canon, names] of Object.entries(t.systemAliases)) {
    alias.set(canon.toLowerCase(), canon);
    for (const n of names) alias.set(n.toLowerCase(), canon);
  }
  const canonicalSystem = (s: string | undefined): string | undefined => {
    if (!s) return undefined;
    const k = s.trim().replace(/\/+$/, '').toLowerCase();
    return alias.get(k) ?? alias.get(k + '/') ?? s.trim();
  };
  const codeIndex = new Map<string, CodeRule[]>();
  for (const r of t.codeRules) {
    const key = `${canonicalSystem(r.system)}|${r.code.trim()}`;
    const list = codeIndex.get(key);
    if (list) list.push(r);
    else codeIndex.set(key, [r]);
  }
  const textRules = t.textRules.map((r) => ({
    id: r.id,
    labels: effectOf(r),
    re: new RegExp(r.pattern, r.caseSensitive ? 'g' : 'gi'),
  }));
  const screeningRules: CompiledScreeningRule[] = t.screeningRules.map((r) => ({
    id: r.id,
    name: r.name,
    labels: effectOf(r),
    codes: new Set(r.codes.map((c) => `${canonicalSystem(c.system)}|${c.code.trim()}`)),
    bareCodes: new Set(r.codes.map((c) => c.code.trim())),
    question: r.question ? new RegExp(r.question, 'i') : undefined,
    min: r.positive.min,
    answerCodes: new Set(r.positive.codes),
    answerText: r.positive.text ? new RegExp(r.positive.text, 'i') : undefined,
  }));
  const provenance = new Map<string, string>();
  for (const r of [...t.codeRules, ...t.prefixRules, ...t.textRules, ...t.screeningRules]) provenance.set(r.id, r.source);
  const textPrefilter = new RegExp(t.textRules.map((r) => `(?:${r.caseSensitive ? r.pattern : r.pattern})`).join('|'), 'i');
  return {
    version: t.version,
    canonicalSystem,
    codeIndex,
    prefixRules: t.prefixRules.map((rule) => ({ rule, system: canonicalSystem(rule.system)! })),
    textRules,
    screeningRules,
    provenance,
    textPrefilter,
  };
}

/** ICD-10-CM code normalised for prefix matching: upper case, no dots or spaces. */
export function normaliseIcd(code: string): string {
  return code.toUpperCase().replace(/[.\s]/g, '');
}

export function prefixRuleMatches(rule: PrefixRule, code: string): boolean {
  const c = normaliseIcd(code);
  if (c.length < 3) return false;
  const cat = c.slice(0, 3);
  for (const [lo, hi] of rule.ranges) if (cat >= lo && cat <= hi) return true;
  for (const p of rule.prefixes) if (c.startsWith(p)) return true;
  return false;
}

let defaultRules: CompiledRules | undefined;
/** The rule table shipped with the app (rules/v2.json), compiled once. */
export function getDefaultRules(): CompiledRules {
  return (defaultRules ??= compileRules(table));
}
export const RULES_VERSION: number = (table as { version: number }).version;
