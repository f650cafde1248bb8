/**
 * Collects what the classifier reads from one FHIR resource: every Coding (wherever it sits: code,
 * reasonCode, category, claim/EOB line items, care plan activities, valueCodeableConcept, contained
 * resources...), every human-readable string (display, CodeableConcept.text, narrative, notes,
 * descriptions, valueString) including base64 text attachments (DocumentReference.content.attachment.data,
 * DiagnosticReport.presentedForm), and every reference with the path it was found at.
 */

export interface FoundCoding {
  system?: string;
  code: string;
  display?: string;
  path: string;
}
export interface FoundText {
  text: string;
  path: string;
}
export interface FoundRef {
  reference: string;
  path: string;
}
export interface Evidence {
  codings: FoundCoding[];
  texts: FoundText[];
  refs: FoundRef[];
}

/** String-valued keys whose content is human-readable text worth scanning. */
const TEXT_KEYS = new Set([
  'display', 'text', 'div', 'valueString', 'valueMarkdown', 'description', 'comment', 'conclusion', 'summary',
  'title', 'patientInstruction', 'detailString', 'note', 'answerString',
]);
/** Keys never scanned: identifiers, contact details and metadata (incl. meta.security: labels are ours to set). */
const SKIP_KEYS = new Set(['meta', 'identifier', 'telecom', 'address', 'photo', 'signature', 'request', 'response', 'search']);
/** Person-like resources: their names are not clinical text. */
const PERSON_TYPES = new Set(['Patient', 'Practitioner', 'RelatedPerson', 'Person', 'PractitionerRole']);

/** Attachments larger than this are not decoded. */
const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;

export function stripMarkup(s: string): string {
  return s
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'");
}

/**
 * Generated narratives may render the resource's own meta.security ("Security Labels: restricted ...,
 * behavioral health information sensitivity ..."). That is label metadata, not clinical content: the
 * classifier must decide from the content, so the rendering is removed before scanning.
 */
export function stripRenderedLabels(div: string): string {
  return div.replace(/Security Labels?:[^<]*/gi, ' ');
}

function stripRtf(s: string): string {
  return s.replace(/\\par[d]?/g, '\n').replace(/\{\\\*[^{}]*\}/g, ' ').replace(/\\[a-z]+-?\d* ?/gi, ' ').replace(/[{}]/g, ' ');
}

/** Decodes a base64 attachment if it is (or looks like) text; returns undefined for binary content. */
export function decodeAttachment(data: string, contentType: string | undefined): string | undefined {
  const ct = (contentType ?? '').toLowerCase();
  if (ct && !/^text\/|json|xml|rtf|html|fhir/.test(ct)) return undefined;
  if (data.length > (MAX_ATTACHMENT_BYTES * 4) / 3) return undefined;
  let text: string;
  try {
    text = Buffer.from(data, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  if (!ct) {
    // Unknown type: accept only if it is mostly printable text.
    const sample = text.slice(0, 2000);
    const bad = sample.replace(/[\x20-\x7E\s\u00A0-\uFFFF]/g, '').length + (sample.match(/\uFFFD/g)?.length ?? 0);
    if (sample.length === 0 || bad / sample.length > 0.05) return undefined;
  }
  if (/html|xml/.test(ct) || /^\s*</.test(text)) text = stripMarkup(text);
  if (/rtf/.test(ct) || text.startsWith('{\\rtf')) text = stripRtf(text);
  return text;
}

export function extractEvidence(resource: Record<string, unknown>): Evidence {
  const ev: Evidence = { codings: [], texts: [], refs: [] };
  const type = String(resource.resourceType);
  const isPerson = PERSON_TYPES.has(type);
  if (type === 'CareTeam') {
    // Membership (participants and the narrative listing them) is not clinical content.
    const { participant: _p, text: _t, ...rest } = resource;
    walk(rest, '', '', ev, isPerson, true);
    for (const p of Array.isArray(resource.participant) ? resource.participant : []) {
      const ref = (p as { member?: { reference?: unknown } })?.member?.reference;
      if (typeof ref === 'string') ev.refs.push({ reference: ref, path: 'participant.member' });
    }
    return ev;
  }
  walk(resource, '', '', ev, isPerson, true);
  return ev;
}

function walk(node: unknown, path: string, key: string, ev: Evidence, isPerson: boolean, root = false): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) walk(node[i], `${path}[${i}]`, key, ev, isPerson);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  // A Coding (or coding-like element): a string code with a system, or an element of a `coding` array.
  if (typeof o.code === 'string' && (typeof o.system === 'string' || key === 'coding' || /Coding$/.test(key))) {
    ev.codings.push({
      system: typeof o.system === 'string' ? o.system : undefined,
      code: o.code,
      display: typeof o.display === 'string' ? o.display : undefined,
      path,
    });
  }
  if (typeof o.reference === 'string') ev.refs.push({ reference: o.reference, path });
  // Attachment with inline data.
  if (typeof o.data === 'string' && ('contentType' in o || key === 'attachment' || key === 'presentedForm' || key === 'content')) {
    const text = decodeAttachment(o.data, typeof o.contentType === 'string' ? o.contentType : undefined);
    if (text) ev.texts.push({ text, path: `${path}.data(decoded)` });
  }
  for (const k in o) {
    if (SKIP_KEYS.has(k)) continue;
    if (isPerson && (k === 'name' || k === 'contact')) continue;
    if (root && k === 'resourceType') continue;
    const v = o[k];
    const p = path ? `${path}.${k}` : k;
    if (typeof v === 'string') {
      if (!TEXT_KEYS.has(k)) continue;
      // Coding.display is read together with its code (above), but also scanned as text below.
      ev.texts.push({ text: k === 'div' ? stripMarkup(stripRenderedLabels(v)) : v, path: p });
    } else if (typeof v === 'object' && v !== null) {
      walk(v, p, k, ev, isPerson);
    }
  }
}
