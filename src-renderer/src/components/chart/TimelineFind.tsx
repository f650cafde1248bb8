import { useEffect, useRef, useState } from 'react';

/**
 * "Find in timeline": words every card shown must hold (title, values, lines, note, date, author),
 * looked for by the engine across the whole chart, not only the cards drawn (a long timeline is
 * windowed, so the browser's find-in-page sees only the cards on screen). Calls `onFind` once the
 * typing pauses (250 ms), with the words trimmed, and only when they changed. Keyed by the patient
 * (Chart), so another chart starts with an empty box.
 */
export function TimelineFind({ onFind }: { onFind: (find: string) => void }) {
  const [text, setText] = useState('');
  const sent = useRef('');
  const latest = useRef(onFind);
  latest.current = onFind;
  useEffect(() => {
    const t = setTimeout(() => {
      const words = text.trim();
      if (words === sent.current) return;
      sent.current = words;
      latest.current(words);
    }, 250);
    return () => clearTimeout(t);
  }, [text]);
  return (
    <div className="timeline-find" role="search">
      <label htmlFor="timeline-find">Find in timeline</label>{' '}
      <input
        id="timeline-find"
        type="search"
        value={text}
        maxLength={200}
        placeholder="e.g. hemoglobin, 2021-03, Riverside"
        onChange={(e) => setText(e.target.value)}
        data-testid="timeline-find"
      />
    </div>
  );
}
