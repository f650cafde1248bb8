import { useState } from 'react';
import { SENSITIVITY_CODES, type Category, type Consent, type SensitivityCode } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { runSigned, useLoad } from '../../useLoad';
import { CategoryPicker } from '../../components/CategoryPicker';

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

/** Grant a consent, or edit one (a new grant that replaces it). */
export function ConsentForm({ edit, onDone }: { edit?: Consent; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const entities = useLoad(() => api()['entities.list']({}), []);
  const [entityId, setEntityId] = useState(edit?.entity.id ?? '');
  const [purpose, setPurpose] = useState(edit?.purpose ?? '');
  const [categories, setCategories] = useState<Category[]>(edit?.categories ?? []);
  const [sensitive, setSensitive] = useState<SensitivityCode[]>(edit?.includeSensitive ?? []);
  const [validUntil, setValidUntil] = useState(edit?.validUntil.slice(0, 10) ?? inAYear());
  const list = entities.data?.entities ?? [];
  const chosen = entityId || list[0]?.id || '';

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await runSigned(() => requestSignature({
      method: 'consents.grant',
      input: { entityId: chosen, purpose, categories, includeSensitive: sensitive, validUntil, replaces: edit?.id },
    }));
    if (r) {
      toast('info', edit ? 'Consent updated.' : 'Consent granted.');
      onDone();
    }
  };

  return (
    <form className="card" onSubmit={submit} aria-label={edit ? 'Edit consent' : 'Grant consent'} data-testid="consent-form">
      <h2>{edit ? `Edit consent for ${edit.entity.name}` : 'Grant consent'}</h2>
      <label>Organization
        <select value={chosen} onChange={(e) => setEntityId(e.target.value)} disabled={!!edit} required data-testid="consent-entity">
          {entities.loading && !list.length && <option value="">Loading…</option>}
          {list.map((en) => <option key={en.id} value={en.id}>{en.name} ({en.kind})</option>)}
        </select>
      </label>
      {entities.error && <p className="inline-error" role="alert">{entities.error}</p>}
      <label>Purpose<input required value={purpose} onChange={(e) => setPurpose(e.target.value)} placeholder="e.g. claims processing, diabetes research" data-testid="consent-purpose" /></label>
      <CategoryPicker legend="Categories they may receive" value={categories} onChange={setCategories} />
      <fieldset>
        <legend>Sensitive records are excluded unless you name them here</legend>
        <div className="chips-select">
          {SENSITIVITY_CODES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={sensitive.includes(s)} onChange={(e) => setSensitive(e.target.checked ? [...sensitive, s] : sensitive.filter((x) => x !== s))} />
              {s}
            </label>
          ))}
        </div>
      </fieldset>
      <label>Valid until<input type="date" required value={validUntil} onChange={(e) => setValidUntil(e.target.value)} data-testid="consent-until" /></label>
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={!chosen || !purpose.trim() || categories.length === 0} data-testid="consent-submit">Sign consent</button>
      </div>
    </form>
  );
}
