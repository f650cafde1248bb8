import { useState } from 'react';
import { api, useApp } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { SharePreview } from './SharePreview';
import { labelsInWords } from '../../../../src-shared/explain';
import { AnswerList } from '../../components/AnswerList';
import type { ShareRequest } from '../../../../src-shared/api';

/** This hospital's own answer, which the status sums up (another hospital's answer does not close the request here). */
const OWN_STATUS: Record<ShareRequest['status'], string> = { pending: 'awaiting your answer', approved: 'you approved', fulfilled: 'you shared', refused: 'you refused' };

/**
 * Incoming share requests; each opens a de-identified preview that can be approved. Each hospital
 * answers for itself: "Pending" lists the requests awaiting this hospital's answer, also where
 * another hospital has answered; every request shows each hospital's answer.
 */
export function ShareRequests() {
  const [status, setStatus] = useState<'pending' | 'all'>('pending');
  const [open, setOpen] = useState<string | null>(null);
  const state = useLoad(() => api()['shares.requests']({ status }), [status]);
  return (
    <section aria-labelledby="requests-title" data-testid="requests-view">
      <h1 id="requests-title">Share requests</h1>
      <div className="segmented" role="group" aria-label="Filter">
        <button type="button" aria-pressed={status === 'pending'} onClick={() => setStatus('pending')}>Pending</button>
        <button type="button" aria-pressed={status === 'all'} onClick={() => setStatus('all')} data-testid="filter-all">All</button>
      </div>
      <Async state={state} label="share requests" isEmpty={(d) => d.requests.length === 0} emptyText="No share requests.">
        {(d) => (
          <ul className="list">
            {d.requests.map((r) => (
              <li key={r.id} className="card" data-testid="share-request" data-status={r.status}>
                <div className="row-between">
                  <div>
                    <strong>{r.entity.name}</strong> <span className="muted">({r.entity.kind})</span> asks for <strong>{labelsInWords(r.categories)}</strong>
                    {' '}of {r.patientName ?? r.patientId} from {r.period.from} to {r.period.to}
                    <div className="muted">Purpose: {r.purpose}</div>
                  </div>
                  <span className={`badge badge-${r.status === 'refused' ? 'bad' : r.status === 'pending' ? 'warn' : 'good'}`} data-testid="request-own-status">{OWN_STATUS[r.status]}</span>
                </div>
                {r.decision && <p className="muted" data-testid="request-decision">{r.decision.reason}</p>}
                <AnswerList answers={r.answers} />
                {r.status === 'pending' && (
                  <button type="button" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)} data-testid="open-preview">
                    {open === r.id ? 'Close preview' : 'Preview and decide'}
                  </button>
                )}
                {open === r.id && <SharePreview requestId={r.id} onDone={() => setOpen(null)} />}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </section>
  );
}
