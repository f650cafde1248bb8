/**
 * Rules that stop mistakes before anything is signed. The API contract (./api.ts) applies them to
 * every signed action, so the node refuses a bad input at `sign.prepare`; the renderer's forms run
 * the very same schemas before they open the sign dialog (src-renderer/src/validate.ts).
 * Pure (zod only), loaded by the renderer and the node alike.
 */
import { z } from 'zod';
import { PURPOSES, PURPOSE_CODES } from './vocabulary';

/** The longest text a single field of a record may hold (a description, a note's line, a code). */
export const MAX_TEXT_CHARS = 10_000;
/** Base64 attachments (a note's body) and XHTML narratives may be larger, up to this many characters. */
export const MAX_ATTACHMENT_CHARS = 2_000_000;
/** How deep a FHIR resource may nest (a guard against pathological input). */
const MAX_DEPTH = 32;

/** Today's date (UTC) as YYYY-MM-DD: the node and the forms compare dates with the same clock. */
export const todayUtc = (now = Date.now()): string => new Date(now).toISOString().slice(0, 10);

const n = (x: number) => x.toLocaleString('en');

export const PurposeSchema = z.enum(PURPOSE_CODES, {
  error: () =>
    `choose a purpose of use from HL7's PurposeOfUse list (${Object.entries(PURPOSES).map(([c, d]) => `${c}: ${d}`).join(', ')}); free text is not a purpose`,
});

/** A date that is today or later ("valid until" may not lie in the past). */
export const FutureDateSchema = z.iso.date({ error: 'a date as YYYY-MM-DD' }).refine((d) => d >= todayUtc(), {
  error: (iss) => `${String(iss.input)} is in the past: choose today or a later date`,
});

/** A share request's period: real dates, and the start not after the end. */
export const PeriodInputSchema = z.object({
  from: z.iso.date({ error: 'a date as YYYY-MM-DD' }),
  to: z.iso.date({ error: 'a date as YYYY-MM-DD' }),
}).refine((p) => p.from <= p.to, { error: 'the period must start on or before its end', path: ['to'] });

/** A patient id as the chains know it: a BLS public key, 96 hex characters. */
export const PatientIdSchema = z.string().trim().regex(/^[0-9a-fA-F]{96}$/, { error: 'a patient id is 96 hexadecimal characters (the id the patient shared with you)' });

type Issue = { path: (string | number)[]; message: string };

/**
 * Walks a FHIR resource: every string has content (no blank or whitespace-only value), no code has
 * spaces around it, no text is longer than MAX_TEXT_CHARS (attachments: MAX_ATTACHMENT_CHARS), and a
 * Period's start is not after its end.
 */
export function resourceIssues(resource: unknown): Issue[] {
  const issues: Issue[] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number): void => {
    if (issues.length >= 10) return;
    if (depth > MAX_DEPTH) {
      issues.push({ path, message: `nested more than ${MAX_DEPTH} levels deep` });
      return;
    }
    if (typeof v === 'string') {
      const key = path[path.length - 1];
      const limit = key === 'data' || key === 'div' ? MAX_ATTACHMENT_CHARS : MAX_TEXT_CHARS;
      if (v.trim() === '') issues.push({ path, message: key === 'code' ? 'a code cannot be blank' : 'cannot be blank (leave it out instead)' });
      else if (key === 'code' && v.trim() !== v) issues.push({ path, message: 'a code cannot start or end with spaces' });
      else if (v.length > limit) issues.push({ path, message: `${n(v.length)} characters is too long: the limit is ${n(limit)}` });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i], depth + 1));
      return;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.start === 'string' && typeof o.end === 'string' && o.start.trim() && o.end.trim() && o.start > o.end) {
        issues.push({ path: [...path, 'end'], message: 'the period must start on or before its end' });
      }
      for (const [k, x] of Object.entries(o)) walk(x, [...path, k], depth + 1);
    }
  };
  walk(resource, [], 0);
  return issues;
}

/** A FHIR resource as a form or a caller submits it, checked by resourceIssues. */
export const FhirInputSchema = z.looseObject({ resourceType: z.string().trim().min(1).max(100) }).superRefine((r, ctx) => {
  for (const i of resourceIssues(r)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});

/** Issues of a zod result keyed by their dotted path ("input.period.to"), first message each. */
export function issuesByPath(err: z.ZodError | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of err?.issues ?? []) {
    const k = i.path.join('.');
    out[k] ??= i.message;
  }
  return out;
}
