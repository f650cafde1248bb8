/**
 * The record forms' model: a few fields per common FHIR resource type, built into a new resource
 * (add) or patched onto an existing one (amend: same type and id, the rest kept as it was).
 * Pure functions, unit-tested in test/forms.test.ts.
 */
export const KINDS = {
  Observation: { system: 'http://loinc.org', label: 'Observation (LOINC)' },
  Condition: { system: 'http://hl7.org/fhir/sid/icd-10-cm', label: 'Condition (ICD-10)' },
  MedicationStatement: { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', label: 'Medication (RxNorm)' },
  AllergyIntolerance: { system: 'http://snomed.info/sct', label: 'Allergy (SNOMED CT)' },
  Immunization: { system: 'http://hl7.org/fhir/sid/cvx', label: 'Immunization (CVX)' },
  DocumentReference: { system: 'http://loinc.org', label: 'Clinical note' },
} as const;
export type Kind = keyof typeof KINDS;

export interface Fields {
  code: string;
  display: string;
  date: string;
  value?: string;
  unit?: string;
  note?: string;
  /** Condition clinical status, medication status. */
  status?: string;
  /** Condition: when it resolved. */
  abatement?: string;
  /** Medication: the dose in words ("500 mg twice a day"). */
  dosage?: string;
  /** Allergy: low | high | unable-to-assess. */
  criticality?: string;
  /** Allergy: the reaction in words. */
  reaction?: string;
}

type Resource = Record<string, unknown> & { resourceType: string };

const base64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
/** Empty strings become "absent": FHIR has no blank values, and the contract refuses them. */
const opt = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
const clean = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Build a minimal FHIR R4 resource from the add form. */
export function buildResource(kind: Kind, f: Fields, patientRef: string): Resource {
  const concept = { coding: [clean({ system: KINDS[kind].system, code: f.code, display: opt(f.display) })], text: opt(f.display) };
  const subject = { reference: patientRef };
  const note = f.note ? [{ text: f.note }] : undefined;
  switch (kind) {
    case 'Observation': {
      const num = Number(f.value);
      return clean({
        resourceType: 'Observation', status: 'final', code: clean(concept), subject, effectiveDateTime: f.date, note,
        ...(f.value ? (Number.isFinite(num) ? { valueQuantity: clean({ value: num, unit: opt(f.unit) }) } : { valueString: f.value }) : {}),
      });
    }
    case 'Condition':
      return clean({ resourceType: 'Condition', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: f.status || 'active' }] }, code: clean(concept), subject, onsetDateTime: f.date, abatementDateTime: opt(f.abatement), note });
    case 'MedicationStatement':
      return clean({ resourceType: 'MedicationStatement', status: f.status || 'active', medicationCodeableConcept: clean(concept), subject, effectiveDateTime: f.date, dosage: f.dosage ? [{ text: f.dosage }] : undefined, note });
    case 'AllergyIntolerance':
      return clean({ resourceType: 'AllergyIntolerance', code: clean(concept), patient: subject, recordedDate: f.date, criticality: opt(f.criticality), reaction: f.reaction ? [{ manifestation: [{ text: f.reaction }] }] : undefined, note });
    case 'Immunization':
      return clean({ resourceType: 'Immunization', status: 'completed', vaccineCode: clean(concept), patient: subject, occurrenceDateTime: f.date, note });
    case 'DocumentReference':
      return {
        resourceType: 'DocumentReference', status: 'current', type: { coding: [{ system: 'http://loinc.org', code: f.code || '11506-3', display: f.display || 'Progress note' }] },
        subject, date: f.date, content: [{ attachment: { contentType: 'text/plain', data: base64(f.note ?? '') } }],
      };
  }
}

/** Which amend form a resource gets (null: only the raw JSON editor). */
export type AmendKind = 'Observation' | 'Condition' | 'Medication' | 'AllergyIntolerance' | 'Note';
export function amendKindOf(resourceType: string): AmendKind | null {
  if (resourceType === 'Observation' || resourceType === 'Condition' || resourceType === 'AllergyIntolerance') return resourceType;
  if (resourceType === 'MedicationStatement' || resourceType === 'MedicationRequest') return 'Medication';
  // Other types whose FHIR definition has an Annotation `note`: a note can be amended.
  return ['Procedure', 'Immunization', 'CarePlan', 'Goal'].includes(resourceType) ? 'Note' : null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const first = (v: unknown) => (Array.isArray(v) ? (v[0] as Record<string, unknown> | undefined) : undefined);

/** The amend form's starting values, read from the record as it is. */
export function fieldsOf(r: Record<string, unknown>): Fields {
  const vq = r.valueQuantity as { value?: number; unit?: string } | undefined;
  const notes = Array.isArray(r.note) ? (r.note as { text?: string }[]).map((n) => n.text ?? '').filter(Boolean).join('\n') : '';
  const medStatus = str(r.status);
  const clinical = str(first((r.clinicalStatus as { coding?: unknown } | undefined)?.coding)?.code);
  const dosage = first(r.dosage) ?? first(r.dosageInstruction);
  const reaction = first(first(r.reaction)?.manifestation as unknown);
  return {
    code: '', display: '', date: '',
    value: vq?.value !== undefined ? String(vq.value) : str(r.valueString),
    unit: vq?.unit ?? '',
    note: notes,
    status: r.resourceType === 'Condition' ? clinical : medStatus,
    abatement: str(r.abatementDateTime).slice(0, 10),
    dosage: str(dosage?.text),
    criticality: str(r.criticality),
    reaction: str(reaction?.text) || str(first((reaction?.coding as unknown))?.display),
  };
}

/** The amended resource: the record with the form's fields written over it (type and id unchanged). */
export function patchResource(r: Record<string, unknown> & { resourceType: string }, f: Fields): Resource {
  const out: Resource = structuredClone(r);
  const kind = amendKindOf(r.resourceType);
  const set = (k: string, v: unknown) => {
    if (v === undefined) delete out[k];
    else out[k] = v;
  };
  if (f.note !== undefined) set('note', f.note.trim() ? [{ text: f.note }] : undefined);
  if (kind === 'Observation') {
    const num = Number(f.value);
    delete out.valueQuantity;
    delete out.valueString;
    if (f.value) {
      if (Number.isFinite(num)) out.valueQuantity = clean({ ...(r.valueQuantity as object | undefined), value: num, unit: opt(f.unit) });
      else out.valueString = f.value;
    }
  }
  if (kind === 'Condition') {
    if (f.status) out.clinicalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: f.status }] };
    set('abatementDateTime', opt(f.abatement));
  }
  if (kind === 'Medication') {
    if (f.status) out.status = f.status;
    const key = r.resourceType === 'MedicationRequest' ? 'dosageInstruction' : 'dosage';
    set(key, f.dosage ? [{ ...(first(r[key]) ?? {}), text: f.dosage }] : undefined);
  }
  if (kind === 'AllergyIntolerance') {
    set('criticality', opt(f.criticality));
    set('reaction', f.reaction ? [{ ...(first(r.reaction) ?? {}), manifestation: [{ text: f.reaction }] }] : undefined);
  }
  return out;
}
