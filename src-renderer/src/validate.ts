/**
 * Form checks with the contract's own schemas (src-shared): what the node would refuse at
 * sign.prepare is shown beside the field, and the sign dialog does not open while anything is wrong.
 */
import { SignActionSchema, type SignAction } from '../../src-shared/api';
import { issuesByPath } from '../../src-shared/validation';

export interface Checked {
  valid: boolean;
  /** First message per field, keyed by the input's dotted path ("purpose", "period.to", "resource.code.coding.0.code"). */
  issues: Record<string, string>;
  /** Every message, in words, for a summary line. */
  all: string[];
}

/** Validate a signed action exactly as the node will. */
export function checkAction(action: { method: SignAction['method']; input: unknown }): Checked {
  const r = SignActionSchema.safeParse(action);
  if (r.success) return { valid: true, issues: {}, all: [] };
  const raw = issuesByPath(r.error);
  const issues: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) issues[k.replace(/^input\.?/, '')] = v;
  return { valid: false, issues, all: Object.entries(issues).map(([k, v]) => (k ? `${k}: ${v}` : v)) };
}

/** The first issue at `path` or below it (e.g. "resource.code" covers "resource.code.coding.0.code"). */
export function issueAt(c: Checked, path: string): string | undefined {
  if (c.issues[path]) return c.issues[path];
  const k = Object.keys(c.issues).find((x) => x.startsWith(`${path}.`));
  return k ? c.issues[k] : undefined;
}
