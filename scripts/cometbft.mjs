#!/usr/bin/env node
/**
 * Builds CometBFT from source at a pinned release into .tools/bin/cometbft (npm run cometbft).
 * Only validator servers of a consortium need it (trichain start --engine cometbft); nothing else in
 * the project needs Go. Skips the build when the pinned version is already there.
 *
 *   CGO_ENABLED=0 GOBIN=.tools/bin go install github.com/cometbft/cometbft/cmd/cometbft@<pinned>
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COMETBFT_VERSION = 'v0.38.19';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, '.tools', 'bin');
const exe = join(bin, 'cometbft');

function installedVersion() {
  if (!existsSync(exe)) return null;
  const r = spawnSync(exe, ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const have = installedVersion();
if (have && `v${have.replace(/^v/, '')}` === COMETBFT_VERSION) {
  console.log(`cometbft ${COMETBFT_VERSION} is already built: ${exe}`);
  process.exit(0);
}
const go = spawnSync('go', ['version'], { encoding: 'utf8' });
if (go.error || go.status !== 0) {
  console.error(
    [
      `cometbft: Go is not installed here, so CometBFT ${COMETBFT_VERSION} cannot be built.`,
      'Only a validator server of a consortium needs it (trichain start --engine cometbft);',
      'npm install, npm start, the desktop app and the embedded engine work without it.',
      'To build it: install Go 1.22 or later (https://go.dev/doc/install, or your distribution\'s golang package),',
      'then run `npm run cometbft` again.',
    ].join('\n'),
  );
  process.exit(1);
}
mkdirSync(bin, { recursive: true });
console.log(`building cometbft ${COMETBFT_VERSION} with ${go.stdout.trim()} into ${bin} (a few minutes the first time)…`);
execFileSync('go', ['install', `github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}`], {
  stdio: 'inherit',
  env: { ...process.env, CGO_ENABLED: '0', GOBIN: bin },
});
const now = installedVersion();
if (!now) {
  console.error(`cometbft: the build finished but ${exe} does not run`);
  process.exit(1);
}
console.log(`cometbft ${now} built: ${exe}`);
