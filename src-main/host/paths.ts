import os from 'node:os';
import path from 'node:path';

/**
 * The user's data folder for Trichain: TRICHAIN_DATA if set, else the platform's convention
 * ($XDG_DATA_HOME/trichain or ~/.local/share/trichain, ~/Library/Application Support/Trichain,
 * %APPDATA%/Trichain). Kept in sync with scripts/start.mjs.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.TRICHAIN_DATA) return env.TRICHAIN_DATA;
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'Trichain');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Trichain');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'trichain');
}
