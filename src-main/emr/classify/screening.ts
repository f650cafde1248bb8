/**
 * Screenings: a questionnaire or screening procedure is sensitive because of its answer, not its name.
 * "Depression screening", a Hunger Vital Sign or a HARK questionnaire names a sensitive topic, but a
 * negative screening says nothing sensitive about the patient. So for a screening resource:
 *  - the words and codes that only *name* the screening (its code, category, questions, narrative) do not
 *    label it on their own for the topics a screening asks about (mental health, substance use, abuse and
 *    violence, cognition, social risks);
 *  - a positive answer does: a score at or above the instrument's threshold, a positive answer code or
 *    words (rule table `screeningRules`), or, for a screening without a rule, a generic positive result
 *    (interpretation POS/A/H, valueBoolean true, "Yes"/"Positive"/"At risk").
 * Tests for an infection or a genetic condition are not screenings in this sense: SHIFT labels HIV, STI and
 * genetic tests whatever their result, because that a person was tested is itself sensitive.
 */
import type { CompiledRules, CompiledScreeningRule, LabelKey } from './rules';

type Obj = Record<string, unknown>;

/** Topics a screening asks about: their labels need a positive answer when they come from the screening's name. */
export const SCREENED_TOPICS: ReadonlySet<LabelKey> = new Set<LabelKey>([
  'PSY', 'BH', 'ETH', 'SUD', 'OPIOIDUD', '42CFRPart2', 'SDV', 'COGN', 'R',
] satisfies LabelKey[]);

const SCREENING_NAME = /\b(?:screen\w*|questionnaire|assessment|inventory|survey)\b/i;
const GENERIC_POSITIVE_CODES = new Set(['POS', 'A', 'AA', 'H', 'HH', 'HU', 'DET', 'LA33-6', '373066001', '10828004', 'LA19952-3']);
const GENERIC_POSITIVE_TEXT = /^\s*(?:yes|positive|present|detected|reactive|abnormal|at risk|high risk)\b/i;

export interface PositiveAnswer {
  rule?: CompiledScreeningRule;
  /** The answer in words: "score 15", "At risk". */
  answer: string;
  path: string;
}

export interface Screening {
  /** Evidence at these paths only names the screening. */
  isNamePath(path: string): boolean;
  /** Positive answers (empty: negative or no result). */
  positive: PositiveAnswer[];
}

interface Question {
  codings: { system?: string; code: string; display?: string }[];
  text: string;
  answers: Answer[];
}
interface Answer {
  path: string;
  number?: number;
  codes: string[];
  words: string[];
  bool?: boolean;
}

const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined || x === null ? [] : [x]);
const obj = (x: unknown): Obj | undefined => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Obj) : undefined);

function conceptCodings(cc: unknown): Question['codings'] {
  return arr(obj(cc)?.coding).flatMap((c) => {
    const o = obj(c);
    return o && typeof o.code === 'string' ? [{ system: typeof o.system === 'string' ? o.system : undefined, code: o.code, display: typeof o.display === 'string' ? o.display : undefined }] : [];
  });
}
function conceptText(cc: unknown): string {
  const o = obj(cc);
  if (!o) return '';
  return [typeof o.text === 'string' ? o.text : '', ...conceptCodings(o).map((c) => c.display ?? '')].filter(Boolean).join(' | ');
}

/** The value[x] of an Observation, component or QuestionnaireResponse answer. */
function answerOf(o: Obj, path: string): Answer | undefined {
  for (const k of Object.keys(o)) {
    if (!k.startsWith('value')) continue;
    const v = o[k];
    const p = `${path}${path ? '.' : ''}${k}`;
    if (typeof v === 'number') return { path: p, number: v, codes: [], words: [String(v)] };
    if (typeof v === 'boolean') return { path: p, bool: v, codes: [], words: [v ? 'yes' : 'no'] };
    if (typeof v === 'string') return { path: p, codes: [], words: [v] };
    const vo = obj(v);
    if (!vo) continue;
    if (typeof vo.value === 'number') return { path: p, number: vo.value, codes: [], words: [`${vo.value}${typeof vo.unit === 'string' ? ` ${vo.unit}` : ''}`] };
    if (typeof vo.code === 'string') return { path: p, codes: [vo.code], words: typeof vo.display === 'string' ? [vo.display] : [] };
    const codings = conceptCodings(vo);
    if (codings.length || typeof vo.text === 'string') {
      return { path: p, codes: codings.map((c) => c.code), words: [...codings.map((c) => c.display ?? ''), typeof vo.text === 'string' ? vo.text : ''].filter(Boolean) };
    }
  }
  return undefined;
}

function interpretationPositive(r: Obj): boolean {
  for (const i of arr(r.interpretation)) {
    for (const c of conceptCodings(i)) if (GENERIC_POSITIVE_CODES.has(c.code)) return true;
    if (GENERIC_POSITIVE_TEXT.test(conceptText(i))) return true;
  }
  return false;
}

function questionsOf(r: Obj): Question[] {
  const type = r.resourceType;
  if (type === 'Observation') {
    const main: Question = { codings: conceptCodings(r.code), text: conceptText(r.code), answers: [] };
    const a = answerOf(r, '');
    if (a) main.answers.push(a);
    const qs = [main];
    arr(r.component).forEach((c, i) => {
      const co = obj(c);
      if (!co) return;
      const ans = answerOf(co, `component[${i}]`);
      qs.push({ codings: conceptCodings(co.code), text: conceptText(co.code), answers: ans ? [ans] : [] });
    });
    return qs;
  }
  if (type === 'Procedure') {
    const outcome = obj(r.outcome);
    const codings = outcome ? conceptCodings(outcome) : [];
    const words = outcome ? [conceptText(outcome)].filter(Boolean) : [];
    return [{ codings: conceptCodings(r.code), text: conceptText(r.code), answers: outcome ? [{ path: 'outcome', codes: codings.map((c) => c.code), words }] : [] }];
  }
  if (type === 'QuestionnaireResponse') {
    const out: Question[] = [];
    const walkItems = (items: unknown, path: string) => {
      arr(items).forEach((it, i) => {
        const io = obj(it);
        if (!io) return;
        const p = `${path}item[${i}]`;
        const linkCode = typeof io.linkId === 'string' ? io.linkId.match(/\d{1,7}-\d/)?.[0] : undefined;
        const q: Question = { codings: linkCode ? [{ system: 'http://loinc.org', code: linkCode }] : [], text: typeof io.text === 'string' ? io.text : '', answers: [] };
        arr(io.answer).forEach((a, j) => {
          const ao = obj(a);
          if (!ao) return;
          const ans = answerOf(ao, `${p}.answer[${j}]`);
          if (ans) q.answers.push(ans);
          walkItems(ao.item, `${p}.answer[${j}].`);
        });
        out.push(q);
        walkItems(io.item, `${p}.`);
      });
    };
    walkItems(r.item, '');
    return out;
  }
  return [];
}

function isLab(r: Obj): boolean {
  return arr(r.category).some((c) => conceptCodings(c).some((x) => x.code === 'laboratory'));
}

function rulePositive(rule: CompiledScreeningRule, a: Answer): boolean {
  if (rule.min !== undefined && a.number !== undefined && a.number >= rule.min) return true;
  if (a.codes.some((c) => rule.answerCodes.has(c))) return true;
  if (rule.answerText && a.words.some((w) => rule.answerText!.test(w))) return true;
  return false;
}
function genericPositive(a: Answer): boolean {
  return a.bool === true || a.codes.some((c) => GENERIC_POSITIVE_CODES.has(c)) || a.words.some((w) => GENERIC_POSITIVE_TEXT.test(w));
}
function words(a: Answer): string {
  return a.number !== undefined ? `score ${a.words[0]}` : `answer “${a.words[0] ?? a.codes[0] ?? ''}”`;
}

/** The screening reading of a resource, or undefined if it is not a screening. */
export function screeningOf(resource: Obj, rules: CompiledRules): Screening | undefined {
  const type = resource.resourceType;
  if (type !== 'Observation' && type !== 'Procedure' && type !== 'QuestionnaireResponse') return undefined;
  const questions = questionsOf(resource);
  let matchedAny = false;
  const positive: PositiveAnswer[] = [];
  const interp = type === 'Observation' && interpretationPositive(resource);
  for (const q of questions) {
    const keys = q.codings.map((c) => `${rules.canonicalSystem(c.system)}|${c.code.trim()}`);
    const matched = rules.screeningRules.filter((s) =>
      keys.some((k) => s.codes.has(k)) || (type === 'QuestionnaireResponse' && q.codings.some((c) => s.bareCodes.has(c.code))) || (s.question !== undefined && s.question.test(q.text)));
    if (matched.length) matchedAny = true;
    for (const rule of matched) {
      const hit = q.answers.find((a) => rulePositive(rule, a));
      if (hit) positive.push({ rule, answer: words(hit), path: hit.path });
      else if (interp && q === questions[0]) positive.push({ rule, answer: 'interpretation positive', path: 'interpretation' });
    }
    if (!matched.length && (type === 'QuestionnaireResponse' || q === questions[0])) {
      const hit = q.answers.find(genericPositive);
      if (hit) positive.push({ answer: words(hit), path: hit.path });
    }
  }
  const named = type === 'QuestionnaireResponse' || (!(type === 'Observation' && isLab(resource)) && SCREENING_NAME.test(questions[0]?.text ?? ''));
  if (!matchedAny && !named) return undefined;
  if (interp && !positive.length) positive.push({ answer: 'interpretation positive', path: 'interpretation' });
  const isNamePath = type === 'QuestionnaireResponse'
    ? (p: string) => !/\.answer\[/.test(p)
    : (p: string) => /^(?:code|category|text\.div|text$|component\[\d+\]\.code)\b/.test(p);
  return { isNamePath, positive };
}

/** The labels a positive screening adds by its own rules (the instrument's topic). */
export function screeningLabels(s: Screening): { label: LabelKey; answer: PositiveAnswer }[] {
  const out: { label: LabelKey; answer: PositiveAnswer }[] = [];
  for (const p of s.positive) for (const label of p.rule?.labels ?? []) out.push({ label, answer: p });
  return out;
}
