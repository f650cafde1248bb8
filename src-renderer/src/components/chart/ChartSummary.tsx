import type { ReactNode } from 'react';
import type { ChartSummary as Summary } from '../../../../src-shared/api';
import { rangeText, Values } from './Values';
import { Trend } from './Trend';

function Section({ id, title, count, children, empty }: { id: string; title: string; count: number; children: ReactNode; empty: string }) {
  return (
    <section className="card summary-section" aria-labelledby={`sum-${id}`} data-testid={`summary-${id}`}>
      <h2 id={`sum-${id}`}>{title} <span className="muted">({count})</span></h2>
      {count === 0 ? <p className="muted">{empty}</p> : children}
    </section>
  );
}

const day = (d?: string) => (d ? d.slice(0, 10) : 'undated');

function Measurements({ id, title, rows, empty }: { id: string; title: string; rows: Summary['vitals']; empty: string }) {
  return (
    <Section id={id} title={title} count={rows.length} empty={empty}>
      <table className="table compact">
        <thead><tr><th scope="col">Test</th><th scope="col">Value</th><th scope="col">Reference</th><th scope="col">Date</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.recordId} data-testid={`${id}-row`}>
              <td>{r.name}</td>
              <td><Values values={r.values} /></td>
              <td className="muted">{rangeText(r.values)}</td>
              <td>{day(r.date)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** What a clinician reads first: problems, medications, allergies, immunizations, goals, vitals, labs, trends. */
export function ChartSummary({ s }: { s: Summary }) {
  return (
    <div className="chart-summary" data-testid="chart-summary">
      <div className="cards three">
        <Section id="problems" title="Problems" count={s.problems.length} empty={`No active problem${s.resolvedProblems ? ` (${s.resolvedProblems} resolved)` : ''}.`}>
          <ul>{s.problems.map((p) => <li key={p.recordId}>{p.text} <span className="muted">since {day(p.onset)}</span></li>)}</ul>
          {s.resolvedProblems > 0 && <p className="muted">{s.resolvedProblems} resolved, on the timeline.</p>}
        </Section>
        <Section id="medications" title="Medications" count={s.medications.length} empty="No active medication.">
          <ul>{s.medications.map((m) => <li key={m.recordId}>{m.text}{m.dose && <> — <span>{m.dose}</span></>} <span className="muted">since {day(m.since)}</span></li>)}</ul>
        </Section>
        <Section id="allergies" title="Allergies" count={s.allergies.length} empty="No known allergy recorded.">
          <ul>{s.allergies.map((a) => <li key={a.recordId}>{a.text}{a.reaction && ` (${a.reaction})`}{a.criticality && <span className="muted"> · criticality {a.criticality}</span>}</li>)}</ul>
        </Section>
        <Section id="immunizations" title="Immunizations" count={s.immunizations.length} empty="No immunization recorded.">
          <ul>{s.immunizations.map((i) => <li key={i.recordId}>{i.text} <span className="muted">last {day(i.date)}{i.doses > 1 ? ` · ${i.doses} doses` : ''}</span></li>)}</ul>
        </Section>
        <Section id="goals" title="Goals" count={s.goals.length} empty="No goal recorded.">
          <ul>{s.goals.map((g) => <li key={g.recordId}>{g.text}{g.status && <span className="muted"> · {g.status}</span>}</li>)}</ul>
        </Section>
      </div>
      <div className="cards">
        <Measurements id="vitals" title="Vital signs (latest)" rows={s.vitals} empty="No vital signs recorded." />
        <Measurements id="labs" title="Labs (latest)" rows={s.labs} empty="No lab results recorded." />
      </div>
      {s.trends.length > 0 && (
        <section aria-labelledby="sum-trends" data-testid="summary-trends">
          <h2 id="sum-trends">Trends</h2>
          <div className="cards trends">{s.trends.map((t) => <Trend key={`${t.code}|${t.unit}`} t={t} />)}</div>
        </section>
      )}
    </div>
  );
}
