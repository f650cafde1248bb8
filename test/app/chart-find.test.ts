/**
 * "Find in timeline" (app/charts.ts findInChart, patients.chart `find`): a record matches when its
 * card holds every word, case-insensitive, in its title, summary, values, lines, note, date or
 * author; the page is taken from the matches, `matched` counts them, `total` stays the whole chart.
 */
import { describe, expect, it } from 'vitest';
import { chartPage, findInChart } from '../../src-main/app/charts';
import type { ChartResource } from '../../src-shared/api';

const row = (id: string, o: Partial<ChartResource>): ChartResource => ({
  id, resourceType: 'Observation', title: 'Glucose', summary: '', author: { organization: 'St Mary Hospital' },
  labels: { category: 'observation', sensitivity: [], confidentiality: 'N', reasons: [] } as unknown as ChartResource['labels'],
  version: 1, contentHash: '00', chain: 'hospital', pending: false, ...o,
});

const chart: ChartResource[] = [
  row('a', { date: '2021-03-02', facts: { undated: false, lines: [], values: [{ value: 119, unit: 'mg/dL', text: '119 mg/dL' }] } }),
  row('b', { date: '2021-03-01', title: 'Hemoglobin A1c', facts: { undated: false, lines: [], values: [{ name: 'HbA1c', value: 6.1, unit: '%', text: '6.1 %' }] } }),
  row('c', { date: '2020-11-19', resourceType: 'Condition', title: 'Hypertension', author: { organization: 'Riverside Clinic' }, facts: { undated: false, lines: ['Onset 2011-11-19 · active'], note: 'Follow up in three months' } }),
  row('d', { title: 'Penicillin allergy', resourceType: 'AllergyIntolerance' }),
];

describe('find in timeline', () => {
  it('matches every word, in any case, anywhere on the card', () => {
    expect(findInChart(chart, '119 MG/DL').map((r) => r.id)).toEqual(['a']);
    expect(findInChart(chart, 'hba1c').map((r) => r.id)).toEqual(['b']);
    expect(findInChart(chart, '2021-03').map((r) => r.id)).toEqual(['a', 'b']);
    expect(findInChart(chart, 'riverside onset').map((r) => r.id)).toEqual(['c']);
    expect(findInChart(chart, 'three months').map((r) => r.id)).toEqual(['c']);
    expect(findInChart(chart, 'allergyintolerance').map((r) => r.id)).toEqual(['d']);
    // every word must be there, not any
    expect(findInChart(chart, 'glucose hypertension')).toEqual([]);
    expect(findInChart(chart, 'nothing like it')).toEqual([]);
    // no words: the whole chart
    expect(findInChart(chart, '   ')).toBe(chart);
    expect(findInChart(chart, undefined)).toBe(chart);
  });

  it('pages the matches; total stays the whole chart', () => {
    const p = chartPage(chart, { find: '2021', limit: 1 });
    expect(p).toMatchObject({ total: 4, matched: 2, offset: 0 });
    expect(p.resources.map((r) => r.id)).toEqual(['a']);
    expect(chartPage(chart, { find: '2021', offset: 1, limit: 1 }).resources.map((r) => r.id)).toEqual(['b']);
    expect(chartPage(chart, {})).toMatchObject({ total: 4, matched: 4 });
  });
});
