/**
 * Packages are per (request, hospital) (issue 11): each hospital holding records of the patient
 * answers a request for itself, so one request may have several packages. A package's id is
 * `<requestId>@<first 16 hex digits of the hospital's key>` ('@' never occurs in a request id); a
 * bare request id, as ids were before, names the request's first published package.
 */
import { toHex } from '../../codec/hex';
import { NotFound } from '../../ledger/errors';
import { answersOf, requestOf, type ShareAnswer, type ShareRequestState } from '../../ledger/rules/social';
import type { StateReader } from '../../ledger/rules/types';

/** How many hex digits of the hospital's key a package id carries. */
const HOSPITAL_DIGITS = 16;

export const packageIdOf = (requestId: string, hospital: Uint8Array): string => `${requestId}@${toHex(hospital).slice(0, HOSPITAL_DIGITS)}`;

export function parsePackageId(packageId: string): { requestId: string; hospital?: string } {
  const at = packageId.indexOf('@');
  return at < 0 ? { requestId: packageId } : { requestId: packageId.slice(0, at), hospital: packageId.slice(at + 1).toLowerCase() };
}

/** A published package: its request and the answer that published it. */
export interface PublishedPackage {
  id: string;
  req: ShareRequestState;
  answer: ShareAnswer & { status: 'published'; packageHash: Uint8Array; publishTx: Uint8Array; publishHeight: number };
}

const isPublished = (a: ShareAnswer): a is PublishedPackage['answer'] => a.status === 'published' && !!a.packageHash && !!a.publishTx && a.publishHeight !== undefined;

/** Every package published for a request, one per hospital that shared. */
export function packagesOf(social: StateReader, req: ShareRequestState): PublishedPackage[] {
  return answersOf(social, req).filter(isPublished).map((answer) => ({ id: packageIdOf(req.requestId, answer.hospital), req, answer }));
}

/** The package a package id names, or a NotFound saying why there is none. */
export function findPackage(social: StateReader, packageId: string): PublishedPackage {
  const { requestId, hospital } = parsePackageId(packageId);
  const req = requestOf(social, requestId);
  if (!req) throw new NotFound(`request ${requestId} is not on the social chain`);
  const all = packagesOf(social, req);
  const found = hospital === undefined ? all[0] : all.find((p) => toHex(p.answer.hospital).startsWith(hospital) && hospital.length === HOSPITAL_DIGITS);
  if (!found) throw new NotFound(`no published package ${packageId}${req.status === 'refused' && all.length === 0 ? ` (refused: ${req.reason ?? 'no reason given'})` : ''}`);
  return found;
}
