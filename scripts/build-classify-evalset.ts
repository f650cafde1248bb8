/**
 * Builds the labelled evaluation set of the classifier, bench/data/classify-eval.json, from the shared data
 * beside the repository (never read at run time: the app and the bench use the committed JSON).
 *
 *   npx tsx scripts/build-classify-evalset.ts [path/to/shared/data] [--check]
 *
 * Groups (each a FHIR batch Bundle plus the truth per resource id and the codes it is scored on):
 *  1. shift-bundles: the three SHIFT expert-labelled bundles (CC-BY-4.0, HL7 SHIFT task force), truth =
 *     the authors' meta.security (SICKVIS, undocumented upstream, dropped), labels stripped from the input;
 *     generated narratives are dropped (they render the structured data and the labels themselves).
 *  2. valueset-display: one resource per code of the curated SHIFT SLS value sets (SensitiveKindCodes.fsh and
 *     LeapSensitiveKindCodes.fsh rows of sensitivity-codes-shift-sls.csv), carrying only the display under an
 *     unknown code system: what the text rules find when codes are missing or mis-filed.
 *  3. valueset-coded: the same codes with their system and no display: what the code rules find.
 *  4. screenings-social: positive and negative screenings and social-risk findings, built from real codes
 *     (HL7 SDOH Clinical Care IG examples, PRAPARE / Hunger Vital Sign / HARK / PHQ-9 LOINC codes, SHIFT SDV,
 *     GDIS and SEX value-set codes) with the truth each should get: a negative screening gets nothing.
 * `--check` exits 1 if the committed file differs from what the shared data gives.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

type Res = Record<string, unknown> & { resourceType: string; id: string };
export interface EvalGroup {
  name: string;
  source: string;
  /** Codes this group is scored on ("R" = confidentiality restricted or higher). */
  scored: string[];
  bundle: { resourceType: 'Bundle'; type: 'batch'; entry: { fullUrl: string; resource: Res }[] };
  truth: Record<string, string[]>;
}
export interface EvalSet {
  description: string;
  groups: EvalGroup[];
}

const SHIFT_SCORED = ['BH', 'SUD', 'OPIOIDUD', '42CFRPart2', 'PSYTHPN', 'SEX', 'STD', 'HIV', 'GDIS', 'SDV', 'R'];
const ALL_SCORED = [...SHIFT_SCORED, 'ABORTION', 'COGN'];
const LOINC = 'http://loinc.org';
const SCT = 'http://snomed.info/sct';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const UNCODED = 'urn:trichain:eval:uncoded';

/** Value-set category (CSV) → the codes a resource from it should carry. */
const CATEGORY_TRUTH: Record<string, string[]> = {
  BH: ['BH'], PSY: ['BH'], PSYTHPN: ['PSYTHPN', 'BH'], SUD: ['SUD', '42CFRPart2'], OPIOIDUD: ['OPIOIDUD', 'SUD', '42CFRPart2'],
  '42CFRPart2': ['42CFRPart2'], SEX: ['SEX'], ABORTION: ['SEX', 'ABORTION'], STD: ['STD'], HIV: ['HIV'], GDIS: ['GDIS'], SDV: ['SDV'],
};

function bundleOf(resources: Res[]): EvalGroup['bundle'] {
  return { resourceType: 'Bundle', type: 'batch', entry: resources.map((r) => ({ fullUrl: `${r.resourceType}/${r.id}`, resource: r })) };
}

function shiftGroups(data: string): EvalGroup[] {
  const dir = path.join(data, 'fhir-examples/shift-labeled-bundles');
  return ['1Asample.json', '1Bsample.json', '1Csample.json'].map((f) => {
    const b = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { entry: { fullUrl?: string; resource: Res & { meta?: { security?: { code: string }[] }; text?: { status?: string; div?: string } } }[] };
    const truth: Record<string, string[]> = {};
    const entry = b.entry.map((e) => {
      const r = structuredClone(e.resource);
      const t = new Set((r.meta?.security ?? []).map((s) => s.code).filter((c) => c !== 'SICKVIS'));
      truth[r.id] = [...t].sort();
      if (r.meta) delete r.meta.security;
      if (r.text?.status === 'generated') delete r.text;
      return { fullUrl: e.fullUrl ?? `${r.resourceType}/${r.id}`, resource: r };
    });
    return {
      name: `shift-bundles/${f.replace('.json', '')}`,
      source: `SHIFT-Task-Force/demo-fhir-data examples/${f} (CC-BY-4.0), expert meta.security labels`,
      scored: SHIFT_SCORED,
      bundle: { resourceType: 'Bundle', type: 'batch', entry },
      truth,
    };
  });
}

function resourceFor(id: string, system: string, code: string | undefined, display: string | undefined): Res {
  const coding = { system, ...(code ? { code } : { code: id }), ...(display ? { display } : {}) };
  const concept = { coding: [coding] };
  const d = display ?? '';
  if (system === RXNORM) return { resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', medicationCodeableConcept: concept };
  if (system === LOINC || /\(observable entity\)/.test(d)) return { resourceType: 'Observation', id, status: 'final', code: concept };
  if (/\((?:procedure|regime\/therapy)\)/.test(d) || /cpt|HCPCS/i.test(system)) return { resourceType: 'Procedure', id, status: 'completed', code: concept };
  return { resourceType: 'Condition', id, code: concept };
}

function valueSetGroups(data: string): EvalGroup[] {
  const csv = readFileSync(path.join(data, 'sensitivity/sensitivity-codes-shift-sls.csv'), 'utf8');
  const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const curated = rows.filter((r) => /^(?:SensitiveKindCodes|LeapSensitiveKindCodes)\.fsh$/.test(r.source_file));
  // One resource per code; a code listed in several value sets (Z33.2: SEX and abortion) gets every category.
  const byCode = new Map<string, { row: Record<string, string>; truth: Set<string> }>();
  for (const r of curated) {
    const key = `${r.system}|${r.code}`;
    const e = byCode.get(key) ?? { row: r, truth: new Set<string>() };
    for (const c of r.category.split('|')) for (const t of CATEGORY_TRUTH[c] ?? []) e.truth.add(t);
    byCode.set(key, e);
  }
  const display: Res[] = [], coded: Res[] = [];
  const truthD: Record<string, string[]> = {}, truthC: Record<string, string[]> = {};
  for (const { row: r, truth } of byCode.values()) {
    if (truth.size === 0) continue;
    const id = `${r.category.split('|')[0].toLowerCase()}-${r.code.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 64);
    const t = [...truth, 'R'].sort();
    if (r.display) {
      display.push(resourceFor(id, UNCODED, undefined, r.display));
      truthD[id] = t;
    }
    coded.push(resourceFor(id, r.system, r.code, undefined));
    truthC[id] = t;
  }
  const src = 'SHIFT SLS value sets (SensitiveKindCodes.fsh, LeapSensitiveKindCodes.fsh; CC-BY-4.0) via sensitivity-codes-shift-sls.csv';
  return [
    { name: 'valueset-display', source: `${src}: display only, code under an unknown system`, scored: ALL_SCORED, bundle: bundleOf(display), truth: truthD },
    { name: 'valueset-coded', source: `${src}: system and code, no display`, scored: ALL_SCORED, bundle: bundleOf(coded), truth: truthC },
  ];
}

/** Positive and negative screenings, social risks, familial genetic conditions and reproductive medicines. */
function screeningGroup(): EvalGroup {
  const cc = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }] });
  const survey = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey', display: 'Survey' }] }];
  const obs = (id: string, code: object, value: object): Res => ({ resourceType: 'Observation', id, status: 'final', category: survey, code, ...value });
  const cond = (id: string, ...codings: [string, string, string][]): Res => ({ resourceType: 'Condition', id, code: { coding: codings.map(([system, code, display]) => ({ system, code, display })) } });
  const med = (id: string, code: string | undefined, display: string): Res => ({
    resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', medicationCodeableConcept: code ? cc(RXNORM, code, display) : { text: display },
  });
  const hvsQ = (id: string, answer: [string, string]) => ({
    resourceType: 'QuestionnaireResponse', id, status: 'completed', questionnaire: 'http://hl7.org/fhir/us/sdoh-clinicalcare/Questionnaire/SDOHCC-QuestionnaireHungerVitalSign',
    item: [
      { linkId: '/88122-7', text: 'Within the past 12 months we worried whether our food would run out before we got money to buy more', answer: [{ valueCoding: { system: LOINC, code: answer[0], display: answer[1] } }] },
      { linkId: '/88123-5', text: "Within the past 12 months the food we bought just didn't last and we didn't have money to get more", answer: [{ valueCoding: { system: LOINC, code: answer[0], display: answer[1] } }] },
    ],
  }) as Res;
  const cases: [Res, string[]][] = [
    // Social risks (HL7 SDOH Clinical Care IG examples) → restricted.
    [cond('sdoh-food-insecurity', [SCT, '733423003', 'Food insecurity'], [ICD, 'Z59.4', 'Lack of adequate food']), ['R']],
    [cond('sdoh-homeless', [SCT, '32911000', 'Homeless'], [ICD, 'Z59.0', 'Homelessness']), ['R']],
    [cond('sdoh-unemployed', [SCT, '73438004', 'Unemployed'], [ICD, 'Z56.0', 'Unemployment, unspecified']), ['R']],
    [cond('sdoh-financial-insecurity', [ICD, 'Z59.86', 'Financial insecurity']), ['R']],
    [cond('sdoh-housing-instability', [ICD, 'Z59.811', 'Housing instability, housed, with risk of homelessness']), ['R']],
    [obs('hvs-risk-positive', cc(LOINC, '88124-3', 'Food insecurity risk [HVS]'), { valueCodeableConcept: cc(LOINC, 'LA19952-3', 'At risk') }), ['R']],
    [obs('hvs-risk-negative', cc(LOINC, '88124-3', 'Food insecurity risk [HVS]'), { valueCodeableConcept: cc(LOINC, 'LA19983-8', 'No risk') }), []],
    [hvsQ('hvs-qr-positive', ['LA28397-0', 'Often true']), ['R']],
    [hvsQ('hvs-qr-negative', ['LA28398-8', 'Never true']), []],
    [obs('prapare-housing-positive', cc(LOINC, '71802-3', 'Housing status'), { valueCodeableConcept: cc(LOINC, 'LA30190-5', 'I do not have housing (staying with others, in a hotel, in a shelter, living outside on the street, on a beach, in a car, or in a park)') }), ['R']],
    [obs('prapare-housing-negative', cc(LOINC, '71802-3', 'Housing status'), { valueCodeableConcept: cc(LOINC, 'LA30189-7', 'I have housing') }), []],
    [obs('prapare-employment-positive', cc(LOINC, '67875-5', 'Employment status - current'), { valueCodeableConcept: cc(LOINC, 'LA17956-6', 'Unemployed') }), ['R']],
    [obs('prapare-employment-negative', cc(LOINC, '67875-5', 'Employment status - current'), { valueCodeableConcept: cc(LOINC, 'LA17958-2', 'Full-time work') }), []],
    [obs('financial-strain-positive', cc(LOINC, '76513-1', 'How hard is it for you to pay for the very basics like food, housing, medical care, and heating?'), { valueCodeableConcept: cc(LOINC, 'LA15832-1', 'Very hard') }), ['R']],
    [obs('financial-strain-negative', cc(LOINC, '76513-1', 'How hard is it for you to pay for the very basics like food, housing, medical care, and heating?'), { valueCodeableConcept: cc(LOINC, 'LA22683-9', 'Not hard at all') }), []],
    // Abuse and intimate partner violence: screenings by their answer, findings by their code.
    [obs('hark-positive', cc(LOINC, '76504-0', 'Total score [HARK]'), { valueInteger: 2 }), ['R', 'SDV']],
    [obs('hark-negative', cc(LOINC, '76504-0', 'Total score [HARK]'), { valueInteger: 0 }), []],
    [obs('prapare-afraid-positive', cc(LOINC, '76501-6', 'Within the last year, have you been afraid of your partner or ex-partner?'), { valueCodeableConcept: cc(LOINC, 'LA33-6', 'Yes') }), ['R', 'SDV']],
    [obs('prapare-afraid-negative', cc(LOINC, '76501-6', 'Within the last year, have you been afraid of your partner or ex-partner?'), { valueCodeableConcept: cc(LOINC, 'LA32-8', 'No') }), []],
    [obs('prapare-safe-negative-screen', cc(LOINC, '93026-3', 'Do you feel physically and emotionally safe where you currently live?'), { valueCodeableConcept: cc(LOINC, 'LA33-6', 'Yes') }), []],
    [obs('prapare-safe-positive-screen', cc(LOINC, '93026-3', 'Do you feel physically and emotionally safe where you currently live?'), { valueCodeableConcept: cc(LOINC, 'LA32-8', 'No') }), ['R', 'SDV']],
    [{ resourceType: 'Procedure', id: 'dv-screening-no-result', status: 'completed', code: { text: 'Screening for domestic abuse' } }, []],
    [cond('ipv-victim', [SCT, '706893006', 'Victim of intimate partner abuse (finding)']), ['R', 'SDV']],
    [cond('child-abuse-history', [ICD, 'Z62.810', 'Personal history of physical and sexual abuse in childhood']), ['R', 'SDV']],
    [cond('abuse-in-pregnancy', [ICD, 'O9A.311', 'Physical abuse complicating pregnancy, first trimester']), ['R', 'SDV', 'SEX']],
    // Depression and alcohol screenings: sensitive from a positive score only.
    [obs('phq9-positive', cc(LOINC, '44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]'), { valueInteger: 15 }), ['R', 'BH']],
    [obs('phq9-negative', cc(LOINC, '44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]'), { valueInteger: 3 }), []],
    [obs('phq2-negative', cc(LOINC, '55758-7', 'Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]'), { valueInteger: 0 }), []],
    [{ resourceType: 'Procedure', id: 'depression-screening-no-result', status: 'completed', code: cc(SCT, '171207006', 'Depression screening') }, []],
    [obs('audit-c-negative', cc(LOINC, '75626-2', 'Total score [AUDIT-C]'), { valueInteger: 1 }), []],
    // Genetic conditions, familial and hereditary forms included.
    [cond('familial-hypercholesterolaemia', [ICD, 'E78.01', 'Familial hypercholesterolemia']), ['R', 'GDIS']],
    [cond('hereditary-haemochromatosis', [ICD, 'E83.110', 'Hereditary hemochromatosis']), ['R', 'GDIS']],
    [{ resourceType: 'Condition', id: 'fap-text-only', code: { text: 'Familial adenomatous polyposis' } }, ['R', 'GDIS']],
    [cond('factor-v-leiden', [ICD, 'D68.51', 'Activated protein C resistance']), ['R', 'GDIS']],
    [{ resourceType: 'FamilyMemberHistory', id: 'family-history-hypertension', status: 'completed', relationship: { text: 'father' }, condition: [{ code: { text: 'Hypertension' } }] }, []],
    // Contraceptives and other reproductive-health medicines.
    [med('loestrin', '1358781', 'ethinyl estradiol 0.02 MG / norethindrone acetate 1 MG Oral Tablet'), ['R', 'SEX']],
    [med('mirena', undefined, 'levonorgestrel 0.0217 MG/DAY 5 YR Intrauterine System [Mirena]'), ['R', 'SEX']],
    [med('xulane', undefined, 'norelgestromin 0.15 MG/DAY / ethinyl estradiol 0.035 MG/DAY Transdermal System [Xulane]'), ['R', 'SEX']],
    [med('clomiphene', undefined, 'clomiphene citrate 50 MG Oral Tablet'), ['R', 'SEX']],
    [med('ibuprofen-control', undefined, 'ibuprofen 200 MG Oral Tablet'), []],
    [cond('hypertension-control', [SCT, '59621000', 'Essential hypertension (disorder)']), []],
  ];
  const truth: Record<string, string[]> = {};
  for (const [r, t] of cases) truth[r.id] = [...t].sort();
  return {
    name: 'screenings-social',
    source: 'hand-built from real codes: HL7 SDOH Clinical Care IG examples (food insecurity, homeless, unemployed, Hunger Vital Sign, PRAPARE), HARK/PHQ/AUDIT-C LOINC codes, SHIFT SLS SDV/GDIS/SEX value-set codes, ICD-10-CM',
    scored: ALL_SCORED,
    bundle: bundleOf(cases.map(([r]) => r)),
    truth,
  };
}

export function buildEvalSet(data: string): EvalSet {
  return {
    description: 'Labelled evaluation set of the sensitivity classifier; generated by scripts/build-classify-evalset.ts from ../shared/data (see the script for the groups and their licences). Do not edit by hand.',
    groups: [...shiftGroups(data), ...valueSetGroups(data), screeningGroup()],
  };
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  const data = args.find((a) => !a.startsWith('--')) ?? path.resolve(root, '../shared/data');
  if (!existsSync(data)) throw new Error(`shared data not found at ${data}: pass its path`);
  const out = path.join(root, 'bench/data/classify-eval.json');
  const text = JSON.stringify(buildEvalSet(data)) + '\n';
  if (args.includes('--check')) {
    const same = existsSync(out) && readFileSync(out, 'utf8') === text;
    console.log(same ? 'classify-eval.json is up to date' : 'classify-eval.json is stale: rerun the script');
    process.exitCode = same ? 0 : 1;
    return;
  }
  writeFileSync(out, text);
  console.log(`wrote ${out} (${(text.length / 1024).toFixed(0)} KiB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
