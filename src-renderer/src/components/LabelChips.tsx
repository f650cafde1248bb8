import { useId, useState } from 'react';
import type { Labels } from '../../../src-shared/api';

const CONF_NAMES: Record<string, string> = { L: 'low', N: 'normal', R: 'restricted', V: 'very restricted' };

/** Label chips of a resource; the reasons (which rule fired, on what) show on hover and on expand. */
export function LabelChips({ labels }: { labels: Labels }) {
  const [open, setOpen] = useState(false);
  const reasonsId = useId();
  const why = labels.reasons.map((r) => `${r.label}: ${r.rule}${r.code ? ` (${r.system ?? ''} ${r.code})` : ''}${r.text ? ` “${r.text}”` : ''}`).join('\n');
  return (
    <div className="labels" data-testid="label-chips">
      <span className="chip chip-category" title={why}>{labels.category}</span>
      {labels.sensitivity.map((s) => (
        <span key={s} className="chip chip-sensitive" title={why} data-testid="chip-sensitivity">{s}</span>
      ))}
      <span className={`chip chip-conf chip-conf-${labels.confidentiality}`} title={`Confidentiality ${CONF_NAMES[labels.confidentiality]}`}>
        {labels.confidentiality}
      </span>
      {labels.reasons.length > 0 && (
        <button type="button" className="link" aria-expanded={open} aria-controls={reasonsId} onClick={() => setOpen(!open)} data-testid="label-why">
          {open ? 'Hide reasons' : 'Why?'}
        </button>
      )}
      {open && (
        <ul id={reasonsId} className="reasons" data-testid="label-reasons">
          {labels.reasons.map((r, i) => (
            <li key={i}>
              <strong>{r.label}</strong> — rule <code>{r.rule}</code>
              {r.code && <> on <code>{r.system ? `${r.system}|` : ''}{r.code}</code></>}
              {r.text && <> matched “{r.text}”</>}
              {r.path && <> at <code>{r.path}</code></>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
