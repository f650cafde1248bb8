import type { ChainId } from '../types';
import { hospitalRules } from './hospital';
import { patientRules } from './patient';
import { socialRules } from './social';
import type { ChainRules } from './types';

export const RULES: Record<ChainId, ChainRules> = {
  hospital: hospitalRules,
  patient: patientRules,
  social: socialRules,
};
