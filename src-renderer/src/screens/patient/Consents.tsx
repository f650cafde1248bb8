import { useState } from 'react';
import type { Consent } from '../../../../src-shared/api';
import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { Async } from '../../components/Async';
import { ConsentCard } from './ConsentCard';
import { ConsentForm } from './ConsentForm';
import { labelsInWords } from '../../../../src-shared/explain';

/** My consents: who may receive which categories, why and until when; grant, edit, revoke. */
export function Consents() {
  const state = useLoad(() => api()['consents.list']({}), []);
  const [form, setForm] = useState<{ edit?: Consent } | null>(null);
  return (
    <section aria-labelledby="consents-title" data-testid="consents-view">
      <header className="row-between">
        <h1 id="consents-title">Consents</h1>
        <button type="button" className="primary" onClick={() => setForm({})} data-testid="grant-consent">Grant consent</button>
      </header>
      {form && <ConsentForm edit={form.edit} onDone={() => setForm(null)} />}
      <Async state={state} label="consents" isEmpty={(d) => d.consents.length === 0 && d.alreadyShared.length === 0} emptyText="You have not given any consent. Nothing is shared with outside organizations.">
        {(d) => (
          <>
            <ul className="cards">
              {d.consents.map((c) => <ConsentCard key={c.id} consent={c} shared={d.alreadyShared.filter((p) => p.consentId === c.id)} onEdit={() => setForm({ edit: c })} />)}
            </ul>
            {d.alreadyShared.length > 0 && (
              <>
                <h2>Already shared</h2>
                <ul className="list compact" data-testid="already-shared">
                  {d.alreadyShared.map((s) => (
                    <li key={s.packageId}>{new Date(s.sharedAt).toLocaleDateString()}: {s.resourceCount.toLocaleString('en')} records ({labelsInWords(s.categories)}) to {s.entityName}{s.hospitalName ? ` from ${s.hospitalName}` : ''}</li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </Async>
    </section>
  );
}
