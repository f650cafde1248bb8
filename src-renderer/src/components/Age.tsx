import { useEffect, useState } from 'react';

/** The current time, updated every `everyMs` while the component is shown. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** "12 s", "4 min", "3 h", "2 days": how long ago `since` (ISO) was. */
export function ageText(since: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}

/** How long ago, as a <time> with the exact moment in its title. */
export function Age({ since, now }: { since: string; now: number }) {
  return <time dateTime={since} title={since} data-testid="age">{ageText(since, now)}</time>;
}
