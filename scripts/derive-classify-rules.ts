/**
 * Rebuilds the CSV-derived part of the rule table (rules whose `source` starts with "csv:") from the
 * SHIFT SLS value-set table `sensitivity-codes-shift-sls.csv` (CC-BY-4.0, HL7 SHIFT task force).
 * Curated rules (source "curated"), prefix rules and text rules in v2.json are kept as they are.
 *
 *   npx tsx scripts/derive-classify-rules.ts path/to/sensitivity-codes-shift-sls.csv [--check]
 *
 * The app never runs this: it loads v2.json, which is committed. `--check` exits 1 if v2.json is stale.
 *
 * Mapping of the CSV categories onto our codes:
 *   BH → PSY+BH; PSY → PSY+BH; PSYTHPN → PSYTHPN+PSY+BH; SUD/OPIOIDUD/42CFRPart2 → ETH+SUD+42CFRPart2 (+OPIOIDUD);
 *   SEX → SEX; ABORTION → SEX+ABORTION; PREGNANT → SEX; STD, HIV, GDIS, SDV as themselves; COGN → COGN.
 * The Synthea whole-module sets (valueset "Synthea*") are filtered: a code is kept only if its display names
 * the module's topic (so "Encounter for check up", "Pneumonia", "Emergency room admission" do not fire), and
 * some codes are re-homed (self-harm → PSY rather than SDV; the STI/HIV tests of the pregnancy module → STD/HIV
 * via curated rules). DIS (cerebral palsy) and GENDER_AFFIRMING_CARE (generic surgical CPT codes) have no code
 * in our label set and are skipped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

type Row = { category: string; system: string; code: string; display: string; valueset: string; source_file: string };
export interface DerivedCodeRule {
  id: string;
  system: string;
  code: string;
  display: string;
  labels: string[];
  source: string;
}

const CATEGORY_LABELS: Record<string, string[]> = {
  BH: ['PSY', 'BH'],
  PSY: ['PSY', 'BH'],
  PSYTHPN: ['PSYTHPN', 'PSY', 'BH'],
  SUD: ['ETH', 'SUD', '42CFRPart2'],
  OPIOIDUD: ['ETH', 'SUD', 'OPIOIDUD', '42CFRPart2'],
  '42CFRPart2': ['ETH', 'SUD', '42CFRPart2'],
  SEX: ['SEX'],
  ABORTION: ['SEX', 'ABORTION'],
  PREGNANT: ['SEX'],
  STD: ['STD'],
  HIV: ['HIV'],
  GDIS: ['GDIS'],
  SDV: ['SDV'],
  COGN: ['COGN'],
};
const SKIPPED_CATEGORIES = new Set(['DIS', 'GENDER_AFFIRMING_CARE']);

/** Topic filters for the Synthea whole-module value sets; a code is kept only if its display matches. */
const SYNTHEA_TOPIC: Record<string, { keep: RegExp; labels?: string[] }> = {
  SyntheaAttentionDeficitDisorderVS: { keep: /attention deficit|overactivity|inattention|methylphenidate|atomoxetine|cognitive and behavio/i },
  SyntheaCysticFibrosisVS: { keep: /cystic fibrosis|meconium ileus|kalydeco|pulmozyme|dornase/i },
  SyntheaSpinaBifidaVS: { keep: /meningomyelocele|myelomeningocele|meningocele|spina bifida|chiari|in utero/i },
  // Self-harm is mental health information (PSY), not sexual or domestic violence.
  SyntheaSelfHarmVS: { keep: /suicid|self.?harm|psychiatr/i, labels: ['PSY', 'BH'] },
  SyntheaOpioidAddictionVS: { keep: /overdose|drug rehab|detox|drug abuse|addiction|rehabilitation therapy/i },
  SyntheaDementiaVS: { keep: /alzheimer|dementia|MMSE|galantamine|donepezil|tacrine|memantine/i },
  SyntheaPregnancyVS: {
    keep: /pregnan|prenatal|antenatal|postnatal|fetal|fetus|miscarriage|abortion|termination|eclampsia|labor|obstetric|parturition|episiotomy|cesarean|breech|instrumental delivery|blighted ovum|ectopic|tubal|premature birth|fundal|uterine anomaly/i,
  },
};
/** The AB 352 abortion-topic list also holds unrelated congenital-malformation codes. */
const AB352_KEEP = /abortion|termination|pregnan|ectopic|hydatidiform|mole|tubal|ovarian/i;

export function deriveRules(csvText: string): { rules: DerivedCodeRule[]; skipped: string[] } {
  const [header, ...body] = parse(csvText, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  const idx = (k: keyof Row) => header.indexOf(k);
  const byKey = new Map<string, DerivedCodeRule>();
  const skipped: string[] = [];
  for (const cols of body) {
    const r: Row = {
      category: cols[idx('category')], system: cols[idx('system')], code: cols[idx('code')],
      display: cols[idx('display')] ?? '', valueset: cols[idx('valueset')], source_file: cols[idx('source_file')],
    };
    if (!r.code || !r.system) continue;
    const cats = r.category.split('|');
    if (cats.every((c) => SKIPPED_CATEGORIES.has(c))) { skipped.push(`${r.valueset} ${r.code} (category ${r.category})`); continue; }
    let labels = [...new Set(cats.flatMap((c) => CATEGORY_LABELS[c] ?? []))];
    const topic = SYNTHEA_TOPIC[r.valueset];
    if (r.valueset.startsWith('Synthea')) {
      if (!topic || !topic.keep.test(r.display)) { skipped.push(`${r.valueset} ${r.code} "${r.display}" (generic)`); continue; }
      if (topic.labels) labels = topic.labels;
    }
    if (r.valueset.startsWith('AB352') && !AB352_KEEP.test(r.display)) { skipped.push(`${r.valueset} ${r.code} "${r.display}"`); continue; }
    if (labels.length === 0) { skipped.push(`${r.valueset} ${r.code} (unmapped ${r.category})`); continue; }
    const key = `${r.system}|${r.code}`;
    const prev = byKey.get(key);
    if (prev) {
      prev.labels = [...new Set([...prev.labels, ...labels])];
      if (!prev.source.includes(r.valueset)) prev.source += `,${r.valueset}`;
    } else {
      byKey.set(key, { id: `sls-${r.code}`, system: r.system, code: r.code, display: r.display, labels, source: `csv:${r.valueset}` });
    }
  }
  const rules = [...byKey.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { rules, skipped };
}

function main(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const csvPath = args.find((a) => !a.startsWith('--'));
  if (!csvPath) {
    console.error('usage: npx tsx scripts/derive-classify-rules.ts path/to/sensitivity-codes-shift-sls.csv [--check]');
    process.exitCode = 2;
    return;
  }
  const tablePath = path.resolve(here, '../src-main/emr/classify/rules/v2.json');
  const table = JSON.parse(readFileSync(tablePath, 'utf8')) as { codeRules: { source: string }[] };
  const { rules, skipped } = deriveRules(readFileSync(csvPath, 'utf8'));
  const next = { ...table, codeRules: [...table.codeRules.filter((r) => !r.source.startsWith('csv:')), ...rules] };
  const text = JSON.stringify(next, null, 1) + '\n';
  if (check) {
    const same = text === readFileSync(tablePath, 'utf8');
    console.log(same ? 'v2.json is up to date' : 'v2.json is stale: run scripts/derive-classify-rules.ts');
    process.exitCode = same ? 0 : 1;
    return;
  }
  writeFileSync(tablePath, text);
  console.log(`derived ${rules.length} code rules from ${csvPath}; skipped ${skipped.length}:`);
  for (const s of skipped) console.log(`  - ${s}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
