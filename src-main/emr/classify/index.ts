/**
 * Sensitivity classification of FHIR R4 resources with HL7 HCS labels (category, sensitivity codes,
 * confidentiality), each label explained by the rule and code/text that produced it. Rules are data:
 * rules/v2.json (see scripts/derive-classify-rules.ts for the part derived from the SHIFT SLS value sets).
 */
export {
  classifyBundle, classifyResources, classifyResource, confidentialityFor,
  directSensitivity, isResource, ClassifyContext,
  type ClassifiedEntry, type FhirResource,
} from './engine';
export { raiseLabels, assertNotLowered, type RaiseRequest } from './raise';
export { RULES_VERSION, compileRules, getDefaultRules, ruleTableSchema, type CompiledRules, type RuleTable } from './rules';
export { categorise } from './category';
