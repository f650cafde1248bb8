/**
 * What a hospital commits to when it releases records to an outside entity (DESIGN.md §5): one
 * Merkle root, constant size whatever the record count, over one leaf per released record:
 *
 *   source     = H("release/source",     { salt, contentHash })          hides the anchored content hash
 *   commitment = H("release/commitment", { salt, released, source })     released = SHA-256 of the resource as sent
 *   leaf       = RFC 6962 leaf of ("release/leaf", { commitment, labels, version, patient })
 *   root       = RFC 6962 Merkle root of the leaves, in the package's order
 *
 * The salt is fresh per record per share, so no leaf, commitment or source tag repeats between two
 * shares of the same record: nothing in a root or an opening links two entities' packages. The
 * hospital chain's validators see the record list (record id, version, labels, salt, released
 * hash) and recompute each source tag from the anchored content hash; the entity receives the
 * openings (salt, source tag, labels, version, patient) and recomputes each leaf from the resource
 * it decrypted. Both check the labels against the consent with `labelsFit`.
 */
import { domainBytes, domainHash, type Canonical } from '../codec/canonical';
import { leafHash, merkleRootOfLeaves } from './merkle';

export interface ReleaseLabels {
  category: string;
  sensitivity: string[];
  confidentiality: string;
  rulesVersion: number;
}

export interface ReleaseLeaf {
  commitment: Uint8Array;
  labels: ReleaseLabels;
  version: number;
  /** The key that signed the consent (the patient, as the consent names them). */
  patient: Uint8Array;
}

export const SALT_BYTES = 32;

export const sourceTag = (salt: Uint8Array, contentHash: Uint8Array): Uint8Array => domainHash('release/source', { salt, contentHash });

export const releaseCommitment = (salt: Uint8Array, released: Uint8Array, source: Uint8Array): Uint8Array =>
  domainHash('release/commitment', { salt, released, source });

const labelsOf = (l: ReleaseLabels): Canonical => ({ category: l.category, sensitivity: [...l.sensitivity], confidentiality: l.confidentiality, rulesVersion: l.rulesVersion });

export const releaseLeafHash = (l: ReleaseLeaf): Uint8Array =>
  leafHash(domainBytes('release/leaf', { commitment: l.commitment, labels: labelsOf(l.labels), version: l.version, patient: l.patient }));

export const releaseRoot = (leaves: Uint8Array[]): Uint8Array => merkleRootOfLeaves(leaves);

/** The consent terms a released record's labels are checked against. */
export interface ReleaseTerms {
  categories: readonly string[];
  sensitivity: readonly string[];
}

/** Why labels do not fit a consent (null when they fit): only its categories, no sensitivity code it does not name. */
export function labelsMisfit(labels: Pick<ReleaseLabels, 'category' | 'sensitivity'>, terms: ReleaseTerms): string | null {
  if (!terms.categories.includes(labels.category)) return `category ${labels.category} is not in the consent`;
  const unnamed = labels.sensitivity.filter((s) => !terms.sensitivity.includes(s));
  if (unnamed.length > 0) return `sensitivity ${unnamed.join(', ')} is not named by the consent`;
  return null;
}
