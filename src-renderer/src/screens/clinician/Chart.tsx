import { useState } from 'react';
import { api, useApp } from '../../store';
import { Async } from '../../components/Async';
import { Timeline } from '../../components/Timeline';
import { ChartSummary } from '../../components/chart/ChartSummary';
import { MoreRecords } from '../../components/chart/MoreRecords';
import { TimelineFind } from '../../components/chart/TimelineFind';
import { useChartPages } from '../../components/chart/useChartPages';
import { RecordForm } from './RecordForm';
import { AmendForm } from './AmendForm';
import { ConsentStatus } from './ConsentStatus';
import { EnrolLaptop } from './EnrolLaptop';
import type { ChartResource } from '../../../../src-shared/api';

/**
 * A patient's chart: the summary, then records from every hospital as a timeline (a page at a
 * time), consent status, add and amend (an amendment starts from the record's FHIR resource, read
 * from the node when Amend is pressed).
 */
export function Chart() {
  const patientId = useApp((s) => s.patientId);
  const go = useApp((s) => s.go);
  const organization = useApp((s) => s.active?.organization);
  const info = useApp((s) => s.info);
  // Only the organization that wrote a record may amend it (the node refuses others as FORBIDDEN).
  const mayAmend = (r: ChartResource) => !!r.facts && !r.pending && r.author.organization === organization;
  const toast = useApp((s) => s.toast);
  const [editing, setEditing] = useState<{ mode: 'add' } | { mode: 'amend'; record: ChartResource & { resource: Record<string, unknown> } } | null>(null);
  // What "find in timeline" looks for belongs to the chart it was typed on.
  const [found, setFound] = useState<{ patientId: string | null; find: string }>({ patientId: null, find: '' });
  const find = found.patientId === patientId ? found.find : '';
  const pages = useChartPages((limit) => (patientId ? api()['patients.chart']({ patientId, limit, ...(find ? { find } : {}) }) : Promise.resolve(null)), [patientId, find]);
  const state = pages.state;
  const amend = (r: ChartResource) => {
    api()['records.get']({ recordId: r.id }).then(
      ({ record }) => (record.resource ? setEditing({ mode: 'amend', record: { ...record, resource: record.resource } }) : toast('error', 'This organization cannot read that record.')),
      (e: unknown) => toast('error', e instanceof Error ? e.message : String(e)),
    );
  };
  if (!patientId) {
    return (
      <section data-testid="chart-view">
        <h1>Chart</h1>
        <div className="state state-empty" role="status">
          No patient selected. <button type="button" className="link" onClick={() => go('patients')}>Find a patient</button>
        </div>
      </section>
    );
  }
  return (
    <section aria-labelledby="chart-title" data-testid="chart-view">
      <Async state={state} label="chart">
        {(d) => d && (
          <>
            <header className="chart-header">
              <div>
                <h1 id="chart-title" data-testid="chart-patient-name">{d.patient.name}</h1>
                <p className="muted" data-testid="chart-patient-facts">{[d.patient.gender, d.patient.birthDate && `born ${d.patient.birthDate}`, d.patient.mrn && `MRN ${d.patient.mrn}`].filter(Boolean).join(' · ')}</p>
              </div>
              <div className="actions">
                <button type="button" className="primary" onClick={() => setEditing({ mode: 'add' })} data-testid="add-record">Add record</button>
                <button type="button" onClick={() => go('audit')}>Audit trail</button>
              </div>
            </header>
            <ConsentStatus patientId={patientId} />
            {!info?.demo && <EnrolLaptop patientId={patientId} />}
            {editing?.mode === 'add' && <RecordForm patientId={patientId} onDone={() => setEditing(null)} />}
            {editing?.mode === 'amend' && <AmendForm key={editing.record.id} record={editing.record} onDone={() => setEditing(null)} />}
            <ChartSummary s={d.summary} />
            <h2>Timeline <span className="muted" data-testid="timeline-total">({d.total.toLocaleString('en')} records)</span></h2>
            <TimelineFind key={patientId} onFind={(f) => setFound({ patientId, find: f })} />
            {find && (
              <p className="muted" role="status" data-testid="timeline-matched">
                {d.matched.toLocaleString('en')} of {d.total.toLocaleString('en')} records hold “{find}”.
              </p>
            )}
            {find && d.matched === 0 ? (
              <div className="state state-empty" role="status" data-testid="timeline-none-found">No record holds “{find}”.</div>
            ) : (
              <Timeline resources={d.resources} mayAmend={mayAmend} onAmend={amend} />
            )}
            <MoreRecords shown={d.resources.length} total={d.matched} pages={pages} />
          </>
        )}
      </Async>
    </section>
  );
}
