import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the Electron binary is, or why it is not there. Looks for files only; never runs it. */
export function electronBinary(root: string): { path: string } | { missing: string } {
  const pathTxt = path.join(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathTxt)) return { missing: 'node_modules/electron/path.txt is missing (the Electron binary was never downloaded)' };
  const rel = readFileSync(pathTxt, 'utf8').trim();
  const bin = path.join(root, 'node_modules/electron/dist', rel);
  if (!existsSync(bin)) return { missing: `${path.relative(root, bin)} does not exist` };
  return { path: bin };
}
