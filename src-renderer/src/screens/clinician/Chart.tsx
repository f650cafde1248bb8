import { useState } from 'react';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { Timeline } from '../../components/Timeline';
import { ChartSummary } from '../../components/chart/ChartSummary';
import { RecordForm } from './RecordForm';
import { AmendForm } from './AmendForm';
import { ConsentStatus } from './ConsentStatus';
import { EnrolLaptop } from './EnrolLaptop';
import type { ChartResource } from '../../../../src-shared/api';

/** A patient's chart: records from every hospital as a timeline, consent status, add and amend. */
export function Chart() {
  const patientId = useApp((s) => s.patientId);
  const go = useApp((s) => s.go);
  const organization = useApp((s) => s.active?.organization);
  const info = useApp((s) => s.info);
  // Only the organization that wrote a record may amend it (the node refuses others as FORBIDDEN).
  const mayAmend = (r: ChartResource) => !!r.resource && !r.pending && r.author.organization === organization;
  const [editing, setEditing] = useState<{ mode: 'add' } | { mode: 'amend'; record: ChartResource } | null>(null);
  const state = useLoad(() => (patientId ? api()['patients.chart']({ patientId }) : Promise.resolve(null)), [patientId]);
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
            {editing?.mode === 'amend' && editing.record.resource && (
              <AmendForm key={editing.record.id} record={{ ...editing.record, resource: editing.record.resource }} onDone={() => setEditing(null)} />
            )}
            <ChartSummary s={d.summary} />
            <h2>Timeline <span className="muted">({d.resources.length.toLocaleString('en')} records)</span></h2>
            <Timeline resources={d.resources} mayAmend={mayAmend} onAmend={(record) => setEditing({ mode: 'amend', record })} />
          </>
        )}
      </Async>
    </section>
  );
}
