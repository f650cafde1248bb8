import { useState } from 'react';
import type { SignAction } from '../../src-shared/api';
import { checkAction, issueAt, type Checked } from './validate';

/**
 * A form's validation state: the action is checked on every render with the contract's schema; a
 * field shows its message once it was changed, or once the person tried to submit.
 */
export function useChecked(action: { method: SignAction['method']; input: unknown }) {
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [tried, setTried] = useState(false);
  const checked: Checked = checkAction(action);
  return {
    checked,
    /** The message to show for a field (by its input path), if any. */
    error: (path: string) => (tried || touched.has(path) ? issueAt(checked, path) : undefined),
    touch: (path: string) => setTouched((t) => (t.has(path) ? t : new Set(t).add(path))),
    /** Call on submit: true when the action may go to the sign dialog; else every message shows. */
    attempt: () => {
      setTried(true);
      return checked.valid;
    },
    tried,
  };
}
