import type { ChainId } from '../types';
import { hospitalRules } from './hospital';
import { patientRules } from './patient';
import { releaseRules } from './release';
import { socialRules } from './social';
import type { ChainRules } from './types';

export const RULES: Record<ChainId, ChainRules> = {
  hospital: { ...hospitalRules, ...releaseRules },
  patient: patientRules,
  social: socialRules,
};
