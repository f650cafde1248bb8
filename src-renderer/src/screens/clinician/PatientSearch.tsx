import { useDeferredValue, useState } from 'react';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';

/** Find a patient by name, MRN or id; open the chart. */
export function PatientSearch() {
  const [query, setQuery] = useState('');
  const q = useDeferredValue(query.trim());
  const go = useApp((s) => s.go);
  const state = useLoad(() => api()['patients.search']({ query: q, limit: 50 }), [q]);
  return (
    <section aria-labelledby="patients-title" data-testid="patients-view">
      <h1 id="patients-title">Patients</h1>
      <label className="search">
        <span className="sr-only">Search patients</span>
        <input type="search" placeholder="Search by name, MRN or id" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="patient-search" autoFocus />
      </label>
      <Async state={state} label="patients" isEmpty={(d) => d.patients.length === 0} emptyText={q ? `No patient matches “${q}”.` : 'No patients on this node yet. Import a bundle to add some.'}>
        {(d) => (
          <table className="table" data-testid="patient-list">
            <caption className="sr-only">Patients</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Born</th><th scope="col">MRN</th><th scope="col">Records</th><th scope="col">Consent</th></tr></thead>
            <tbody>
              {d.patients.map((p) => (
                <tr key={p.id} data-testid="patient-row">
                  <td><button type="button" className="link" onClick={() => go('chart', p.id)} data-testid={`open-patient-${p.id}`}>{p.name}</button></td>
                  <td>{p.birthDate ?? '—'}</td>
                  <td>{p.mrn ?? '—'}</td>
                  <td>{p.recordCount}</td>
                  <td><span className={`badge badge-${p.consentStatus === 'active' ? 'good' : 'neutral'}`}>{p.consentStatus}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
