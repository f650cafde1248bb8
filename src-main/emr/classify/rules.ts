/**
 * The versioned rule table (rules/v1.json): validated with zod at load time and compiled into lookup
 * structures (a system|code map, ICD-10-CM category ranges, and case-insensitive regexes with a combined
 * pre-filter). The table is data; this file only knows how to read it.
 */
import { z } from 'zod';
import { SENSITIVITY_CODES, type SensitivityCode } from '../labels';
import table from './rules/v1.json';

const sensitivity = z.enum(SENSITIVITY_CODES);

const codeRule = z.object({
  id: z.string().min(1),
  system: z.string().min(1),
  code: z.string().min(1),
  display: z.string().optional(),
  labels: z.array(sensitivity).min(1),
  source: z.string().min(1),
});
const prefixRule = z.object({
  id: z.string().min(1),
  system: z.string().min(1),
  /** Inclusive ranges over the 3-character ICD category, e.g. ["F10","F19"]. */
  ranges: z.array(z.tuple([z.string(), z.string()])).default([]),
  /** Prefixes over the code with dots removed, e.g. "Z6281". */
  prefixes: z.array(z.string()).default([]),
  labels: z.array(sensitivity).min(1),
  note: z.string().optional(),
});
const textRule = z.object({
  id: z.string().min(1),
  pattern: z.string().min(1),
  labels: z.array(sensitivity).min(1),
  caseSensitive: z.boolean().optional(),
});
export const ruleTableSchema = z.object({
  version: z.number().int().positive(),
  description: z.string().optional(),
  systemAliases: z.record(z.string(), z.array(z.string())).default({}),
  codeRules: z.array(codeRule),
  prefixRules: z.array(prefixRule),
  textRules: z.array(textRule),
});
export type RuleTable = z.infer<typeof ruleTableSchema>;
export type CodeRule = z.infer<typeof codeRule>;
export type PrefixRule = z.infer<typeof prefixRule>;

export interface CompiledTextRule {
  id: string;
  labels: SensitivityCode[];
  re: RegExp;
}

export interface CompiledRules {
  version: number;
  canonicalSystem(system: string | undefined): string | undefined;
  codeIndex: Map<string, CodeRule[]>;
  prefixRules: { rule: PrefixRule; system: string }[];
  textRules: CompiledTextRule[];
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
    labels: r.labels,
    re: new RegExp(r.pattern, r.caseSensitive ? 'g' : 'gi'),
  }));
  const textPrefilter = new RegExp(t.textRules.map((r) => `(?:${r.caseSensitive ? r.pattern : r.pattern})`).join('|'), 'i');
  return {
    version: t.version,
    canonicalSystem,
    codeIndex,
    prefixRules: t.prefixRules.map((rule) => ({ rule, system: canonicalSystem(rule.system)! })),
    textRules,
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
/** The rule table shipped with the app (rules/v1.json), compiled once. */
export function getDefaultRules(): CompiledRules {
  return (defaultRules ??= compileRules(table));
}
export const RULES_VERSION: number = (table as { version: number }).version;
