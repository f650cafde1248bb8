import { useId, useState } from 'react';
import type { Labels } from '../../../src-shared/api';
import { explainReason, labelWithCode, labelWords } from '../../../src-shared/explain';
import { CATEGORY_WORDS, CONFIDENTIALITY_WORDS, SENSITIVITY_WORDS } from '../../../src-shared/vocabulary';

/** A sensitivity code in words with the code beside it ("Mental health PSY"); its meaning on hover. */
export function SensitivityName({ code }: { code: string }) {
  const w = (SENSITIVITY_WORDS as Record<string, { words: string; meaning: string; display: string } | undefined>)[code];
  return (
    <span title={w ? `${w.meaning}\nHL7: ${w.display}` : undefined} data-code={code}>
      {w?.words ?? code} <code className="chip-code">{code}</code>
    </span>
  );
}

/**
 * Label chips of a resource in words, with the HL7 code beside each for staff ("Mental health PSY").
 * "Why?" lists each reason as a sentence; the rule id that fired stays visible as a small detail.
 */
export function LabelChips({ labels, resourceType }: { labels: Labels; resourceType?: string }) {
  const [open, setOpen] = useState(false);
  const reasonsId = useId();
  const ctx = { resourceType };
  const why = labels.reasons.map((r) => `${labelWithCode(r.label)}: ${explainReason(r, ctx)}`).join('\n');
  const conf = CONFIDENTIALITY_WORDS[labels.confidentiality];
  return (
    <div className="labels" data-testid="label-chips">
      <span className="chip chip-category" title={why} data-code={labels.category}>{CATEGORY_WORDS[labels.category] ?? labels.category}</span>
      {labels.sensitivity.map((s) => (
        <span key={s} className="chip chip-sensitive" title={`${SENSITIVITY_WORDS[s]?.meaning ?? ''}\nHL7: ${SENSITIVITY_WORDS[s]?.display ?? s}`} data-testid="chip-sensitivity" data-code={s}>
          {labelWords(s)} <code className="chip-code">{s}</code>
        </span>
      ))}
      <span className={`chip chip-conf chip-conf-${labels.confidentiality}`} title={`Confidentiality: ${conf?.meaning ?? ''}`} data-testid="chip-confidentiality" data-code={labels.confidentiality}>
        {conf?.words ?? labels.confidentiality} <code className="chip-code">{labels.confidentiality}</code>
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
              <strong>{labelWords(r.label)}</strong> <code className="chip-code">{r.label.replace(/^category:/, '')}</code>: {explainReason(r, ctx)}
              {' '}<small className="muted" title={r.path ? `at ${r.path}` : undefined}>rule <code>{r.rule}</code></small>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
