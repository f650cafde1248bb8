import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src-main/storage/migrations';

/**
 * Every shipped migration and the SHA-256 of its file. A database that ran a migration never runs it
 * again, so editing a shipped one splits the installed base silently: add the next file instead, and
 * its line here.
 */
const SHIPPED: Record<string, string> = {
  '0001-chains.sql': 'e39661954e458342a02a1329e19afed86500cc3a6fab85c5124e1e43239c206b',
  '0002-sign-guard.sql': '033e7d36ebad5e1ead40937a864dd3fe701442f03f379e080366f71b29c1b1a0',
  '0003-emr-index.sql': '88838b4d679972d4f496c53ab2e10a2c094073873fb6497ccb5dbea4221aa8a7',
  '0004-sign-guard-state.sql': '44fd2978b64f40d3ead80bd441dafc7a79bf1b641158eae5bf3765434a2ac5c9',
  '0005-patient-keys.sql': 'f9a2a72dabaf9c55c7d207913c0ac4e5ab87679be1b388f1fcfb7d117095beb2',
  '0006-state-tree-held-txs.sql': 'e5b67a9c836776e7e4ad4d18c625be3f8a835a803eb974d09e37be53cf9ae799',
  '0007-light-client.sql': 'a820970393721ef6a5c6dbf3d844b7a8c2b3137d6643ac0a752e7769262808fe',
  '0008-patient-mrn.sql': 'b603a3a59e8f8de292eaa51f33b017e39fc55a5654ff0a5c14a02c4c8703aafe',
};

describe('migrations', () => {
  it('are append-only: each shipped file is unchanged and each file is listed', () => {
    const found = Object.fromEntries(loadMigrations().map((m) => [m.file, createHash('sha256').update(m.sql.replace(/\r\n/g, '\n')).digest('hex')]));
    expect(found).toEqual(SHIPPED);
  });

  it('refuses a gap in the numbering', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trichain-mig-'));
    writeFileSync(join(dir, '0001-a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '0003-c.sql'), 'SELECT 1;');
    try {
      expect(() => loadMigrations(dir)).toThrow(/expected 0002-\*\.sql, found 0003-c\.sql/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
