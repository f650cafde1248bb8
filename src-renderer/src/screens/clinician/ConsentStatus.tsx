import { api } from '../../store';
import { useLoad } from '../../useLoad';
import { labelsInWords } from '../../../../src-shared/explain';

/** One line on the chart: which consents this patient has given. */
export function ConsentStatus({ patientId }: { patientId: string }) {
  const state = useLoad(() => api()['consents.list']({ patientId }), [patientId]);
  if (state.error) return <p className="inline-error" role="alert">Consent status unavailable: {state.error}</p>;
  if (!state.data) return <p className="muted" role="status">Loading consent status…</p>;
  const active = state.data.consents.filter((c) => c.status === 'active');
  return (
    <p className="consent-status" data-testid="consent-status">
      {active.length === 0
        ? 'No active consent: nothing from this chart is shared with outside organizations.'
        : `Shared under consent with ${active.map((c) => `${c.entity.name} (${labelsInWords(c.categories)} until ${c.validUntil})`).join('; ')}.`}
    </p>
  );
}
