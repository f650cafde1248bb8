/** The HCS category of a resource: by resource type, refined by Observation / DiagnosticReport category codes. */
import type { Category, LabelReason } from '../labels';

const BY_TYPE: Record<string, Category> = {
  Patient: 'demographics', RelatedPerson: 'demographics', Person: 'demographics',
  Encounter: 'encounter', EpisodeOfCare: 'encounter', Appointment: 'encounter', AppointmentResponse: 'encounter',
  Condition: 'condition', FamilyMemberHistory: 'condition',
  Observation: 'observation', QuestionnaireResponse: 'observation', RiskAssessment: 'observation', ClinicalImpression: 'observation',
  AllergyIntolerance: 'allergy',
  Immunization: 'immunization', ImmunizationRecommendation: 'immunization', ImmunizationEvaluation: 'immunization',
  Medication: 'medication', MedicationRequest: 'medication', MedicationAdministration: 'medication',
  MedicationDispense: 'medication', MedicationStatement: 'medication',
  Procedure: 'procedure', ServiceRequest: 'procedure',
  Claim: 'financial', ClaimResponse: 'financial', ExplanationOfBenefit: 'financial', Coverage: 'financial',
  CoverageEligibilityRequest: 'financial', CoverageEligibilityResponse: 'financial', Account: 'financial',
  Invoice: 'financial', PaymentNotice: 'financial', PaymentReconciliation: 'financial', ChargeItem: 'financial',
  DocumentReference: 'note', Composition: 'note', DocumentManifest: 'note',
  DiagnosticReport: 'lab', Specimen: 'lab',
  ImagingStudy: 'imaging', Media: 'imaging',
  CarePlan: 'care-plan', CareTeam: 'care-plan', Goal: 'care-plan', NutritionOrder: 'care-plan', RequestGroup: 'care-plan',
  Organization: 'administrative', Practitioner: 'administrative', PractitionerRole: 'administrative',
  Location: 'administrative', Provenance: 'administrative', HealthcareService: 'administrative',
  Endpoint: 'administrative', AuditEvent: 'administrative', Consent: 'administrative', Group: 'administrative',
  Device: 'device', DeviceRequest: 'device', DeviceUseStatement: 'device', DeviceMetric: 'device',
  SupplyDelivery: 'device', SupplyRequest: 'device',
};

const OBS_CATEGORY: Record<string, Category> = {
  'vital-signs': 'vital-signs',
  laboratory: 'lab',
  imaging: 'imaging',
};
/** HL7 v2-0074 diagnostic service sections that mean imaging. */
const IMAGING_SECTIONS = new Set(['RAD', 'CT', 'MR', 'NMR', 'NMS', 'US', 'RUS', 'VUS', 'OUS', 'CUS', 'XRC', 'CTH', 'CP', 'IMG']);
const LAB_SECTIONS = new Set(['LAB', 'HM', 'CH', 'MB', 'MCB', 'SP', 'SR', 'BLB', 'CG', 'IMM', 'HLA', 'CUS', 'TX', 'VR', 'MYC', 'PAT', 'CYTO']);

function categoryCodes(resource: Record<string, unknown>): { system?: string; code: string }[] {
  const out: { system?: string; code: string }[] = [];
  const cats = resource.category;
  const list = Array.isArray(cats) ? cats : cats ? [cats] : [];
  for (const c of list) {
    const coding = (c as { coding?: unknown })?.coding;
    if (Array.isArray(coding)) {
      for (const cd of coding) {
        const x = cd as { system?: unknown; code?: unknown };
        if (typeof x.code === 'string') out.push({ system: typeof x.system === 'string' ? x.system : undefined, code: x.code });
      }
    }
  }
  return out;
}

export function categorise(resource: Record<string, unknown>): { category: Category; reason: LabelReason } {
  const type = String(resource.resourceType);
  let category: Category = BY_TYPE[type] ?? 'other';
  let reason: LabelReason = { label: `category:${category}`, rule: 'category-by-type', text: type };
  if (type === 'Observation') {
    for (const c of categoryCodes(resource)) {
      const mapped = OBS_CATEGORY[c.code];
      if (mapped) {
        category = mapped;
        reason = { label: `category:${category}`, rule: 'category-by-observation-category', system: c.system, code: c.code, path: 'category' };
        break;
      }
    }
  } else if (type === 'DiagnosticReport') {
    for (const c of categoryCodes(resource)) {
      const code = c.code.toUpperCase();
      if (IMAGING_SECTIONS.has(code) || c.code === 'imaging') {
        category = 'imaging';
      } else if (LAB_SECTIONS.has(code) || c.code === 'laboratory') {
        category = 'lab';
      } else if (c.system === 'http://loinc.org') {
        // LOINC document-type codes (e.g. 34117-2 History and physical note): a note rendered as a report.
        category = 'note';
      } else continue;
      reason = { label: `category:${category}`, rule: 'category-by-report-category', system: c.system, code: c.code, path: 'category' };
      break;
    }
  }
  return { category, reason };
}
