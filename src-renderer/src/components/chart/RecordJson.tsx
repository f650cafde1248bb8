import { useState } from 'react';
import { api } from '../../store';

/**
 * A card's FHIR resource, read from the node only when the card is expanded (a chart's pages carry
 * card facts, not whole resources).
 */
export function RecordJson({ recordId }: { recordId: string }) {
  const [open, setOpen] = useState(false);
  const [json, setJson] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const toggle = () => {
    const next = !open;
    setOpen(next);
    if (next && json === null) {
      setError(null);
      api()['records.get']({ recordId }).then(
        (r) => setJson(r.record.resource ? JSON.stringify(r.record.resource, null, 2) : 'This organization cannot read the record\'s content.'),
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      );
    }
  };
  return (
    <>
      <button type="button" className="link" onClick={toggle} aria-expanded={open} data-testid="record-json-toggle">
        {open ? 'Hide FHIR' : 'FHIR'}
      </button>
      {open && (
        <div className="record-json" data-testid="record-json">
          {error ? <p className="inline-error" role="alert">Could not read the record: {error}</p>
            : json === null ? <p className="muted" role="status">Reading…</p>
            : <pre>{json}</pre>}
        </div>
      )}
    </>
  );
}
