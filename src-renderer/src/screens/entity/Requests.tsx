import { useState } from 'react';
import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { RequestForm } from './RequestForm';
import { labelsInWords } from '../../../../src-shared/explain';
import { AnswerList } from '../../components/AnswerList';

/**
 * An entity's own share requests, and the form to file a new one. Each request shows, per hospital,
 * what it shared, its refusal, or that it has not answered yet (issue 11).
 */
export function Requests() {
  const [filing, setFiling] = useState(false);
  const state = useLoad(() => api()['shares.requests']({ status: 'all' }), []);
  return (
    <section aria-labelledby="entity-requests-title" data-testid="entity-requests-view">
      <header className="row-between">
        <h1 id="entity-requests-title">Requests</h1>
        <button type="button" className="primary" onClick={() => setFiling(true)} data-testid="new-request">File a request</button>
      </header>
      {filing && <RequestForm onDone={() => setFiling(false)} />}
      <Async state={state} label="requests" isEmpty={(d) => d.requests.length === 0} emptyText="You have not filed any request yet.">
        {(d) => (
          <table className="table" data-testid="entity-request-list">
            <caption className="sr-only">Requests</caption>
            <thead><tr><th scope="col">Filed</th><th scope="col">Patient</th><th scope="col">Purpose</th><th scope="col">Categories</th><th scope="col">Period</th><th scope="col">Status</th><th scope="col">Hospitals</th></tr></thead>
            <tbody>
              {d.requests.map((r) => (
                <tr key={r.id} data-testid="entity-request" data-status={r.status}>
                  <td>{new Date(r.filedAt).toLocaleDateString()}</td>
                  <td>{r.patientName ?? r.patientId}</td>
                  <td>{r.purpose}</td>
                  <td>{labelsInWords(r.categories)}</td>
                  <td>{r.period.from} – {r.period.to}</td>
                  <td>
                    <span className={`badge badge-${r.status === 'refused' ? 'bad' : r.status === 'pending' ? 'warn' : 'good'}`}>{r.status}</span>
                    {r.decision && <div className="muted" data-testid="request-decision">{r.decision.reason}</div>}
                  </td>
                  <td><AnswerList answers={r.answers} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
