import { useState } from 'react';
import { SENSITIVITY_CODES, PURPOSE_CODES, todayUtc, type Category, type Consent, type PurposeCode, type SensitivityCode } from '../../../../src-shared/api';
import { api, useApp } from '../../store';
import { runSigned, useLoad } from '../../useLoad';
import { useChecked } from '../../useChecked';
import { CategoryPicker } from '../../components/CategoryPicker';
import { PurposePicker } from '../../components/PurposePicker';
import { FieldError } from '../../components/FieldError';
import { SensitivityName } from '../../components/LabelChips';

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
/** A consent's purpose as shown ("Healthcare research (HRESCH)") back to its code. */
const codeOf = (p: string | undefined): PurposeCode | '' => {
  const c = /\(([A-Z]+)\)$/.exec(p ?? '')?.[1] ?? (p ?? '').split(/[\s(]/)[0];
  return (PURPOSE_CODES as string[]).includes(c) ? (c as PurposeCode) : '';
};

/** Grant a consent, or edit one (a new grant that replaces it). Checked with the node's schema before signing. */
export function ConsentForm({ edit, onDone }: { edit?: Consent; onDone(): void }) {
  const requestSignature = useApp((s) => s.requestSignature);
  const toast = useApp((s) => s.toast);
  const entities = useLoad(() => api()['entities.list']({}), []);
  const [entityId, setEntityId] = useState(edit?.entity.id ?? '');
  const [purpose, setPurpose] = useState<PurposeCode | ''>(codeOf(edit?.purpose));
  const [categories, setCategories] = useState<Category[]>(edit?.categories ?? []);
  const [sensitive, setSensitive] = useState<SensitivityCode[]>(edit?.includeSensitive ?? []);
  const [validUntil, setValidUntil] = useState(edit?.validUntil.slice(0, 10) ?? inAYear());
  const list = entities.data?.entities ?? [];
  const chosen = entityId || list[0]?.id || '';
  const input = { entityId: chosen, purpose, categories, includeSensitive: sensitive, validUntil, replaces: edit?.id };
  const v = useChecked({ method: 'consents.grant', input });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!v.attempt()) return;
    const r = await runSigned(() => requestSignature({ method: 'consents.grant', input: input as typeof input & { purpose: PurposeCode } }));
    if (r) {
      toast('info', edit ? 'Consent updated.' : 'Consent granted.');
      onDone();
    }
  };

  return (
    <form className="card" onSubmit={submit} noValidate aria-label={edit ? 'Edit consent' : 'Grant consent'} data-testid="consent-form">
      <h2>{edit ? `Edit consent for ${edit.entity.name}` : 'Grant consent'}</h2>
      <label>Organization
        <select value={chosen} onChange={(e) => setEntityId(e.target.value)} disabled={!!edit} required data-testid="consent-entity">
          {entities.loading && !list.length && <option value="">Loading…</option>}
          {list.map((en) => <option key={en.id} value={en.id}>{en.name} ({en.kind})</option>)}
        </select>
      </label>
      {entities.error && <p className="inline-error" role="alert">{entities.error}</p>}
      <PurposePicker value={purpose} onChange={(p) => { setPurpose(p); v.touch('purpose'); }} testId="consent-purpose" error={v.error('purpose')} />
      <CategoryPicker legend="Categories they may receive" value={categories} onChange={(c) => { setCategories(c); v.touch('categories'); }} />
      <FieldError id="consent-categories-error" message={v.error('categories')} />
      <fieldset>
        <legend>Sensitive records are excluded unless you name them here</legend>
        <div className="chips-select">
          {SENSITIVITY_CODES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={sensitive.includes(s)} onChange={(e) => setSensitive(e.target.checked ? [...sensitive, s] : sensitive.filter((x) => x !== s))} />
              <SensitivityName code={s} />
            </label>
          ))}
        </div>
      </fieldset>
      <label>Valid until
        <input type="date" required min={todayUtc()} value={validUntil} onChange={(e) => { setValidUntil(e.target.value); v.touch('validUntil'); }} aria-invalid={!!v.error('validUntil')} aria-describedby="consent-until-error" data-testid="consent-until" />
        <FieldError id="consent-until-error" message={v.error('validUntil')} />
      </label>
      <div className="actions">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={!chosen} data-testid="consent-submit">Sign consent</button>
      </div>
    </form>
  );
}
