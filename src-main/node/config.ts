/** node.json: the public, non-secret configuration of a node. */
import { z } from 'zod';
import { readJson, writeJsonAtomic } from './files';

import { ROLES, type Role } from '../../src-shared/vocabulary';

export type NodeRole = Role;

export const nodeConfigSchema = z
  .object({
    version: z.literal(1),
    role: z.enum(ROLES),
    name: z.string().min(1).max(200),
    /** Entity kind (insurer, research, public-health) for role "entity". */
    kind: z.string().max(64).optional(),
    network: z.string().max(200).optional(),
    /** host:port the peer server listens on, written by `trichain start`. */
    listen: z.string().optional(),
    /** Loopback address of the local API, written by `trichain start`. */
    api: z.string().optional(),
    created: z.string(),
  })
  .strict();
export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export function readConfig(file: string): NodeConfig {
  const parsed = nodeConfigSchema.safeParse(readJson(file, 'node config'));
  if (!parsed.success) throw new Error(`node config ${file} is invalid: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
  return parsed.data;
}

export function writeConfig(file: string, c: NodeConfig): void {
  writeJsonAtomic(file, nodeConfigSchema.parse(c), 0o644);
}
