/**
 * The building blocks of the contract's method tables: the small field schemas every area uses,
 * and `def`, which types one method (request schema, response schema, signed or not, description).
 */
import { z } from 'zod';

export const id = z.string().min(1).max(200);
export const text = (max = 2000) => z.string().max(max);
export const isoTime = z.string().min(1).max(40);
export const isoDate = z.iso.date();
export const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/).max(4096);

export const empty = z.object({}).strict();

export interface MethodDef<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  response: Res;
  /** Writes a signed transaction: only reachable from the renderer through sign.prepare/confirm. */
  signed?: boolean;
  description: string;
}
export const def = <Req extends z.ZodType, Res extends z.ZodType>(d: MethodDef<Req, Res>) => d;
