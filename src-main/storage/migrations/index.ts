/**
 * The schema migrations: one SQL file per migration in this folder, named `NNNN-what.sql` and run in
 * that order. Append-only: never edit a shipped file (test/storage/migrations.test.ts holds a hash of each and
 * fails if one changes); to change the schema, add the next number and its hash in that test.
 * The applied version is SQLite's PRAGMA user_version; each migration runs in one transaction (db.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = dirname(fileURLToPath(import.meta.url));
const NAME = /^(\d{4})-[a-z0-9-]+\.sql$/;

export interface Migration {
  version: number;
  file: string;
  sql: string;
}

/** The migrations in order; throws if a number is missing or repeated (a bad checkout, never a runtime state). */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => NAME.test(f)).sort();
  return files.map((file, i) => {
    const version = Number(NAME.exec(file)![1]);
    if (version !== i + 1) throw new Error(`migrations: expected ${String(i + 1).padStart(4, '0')}-*.sql, found ${file}`);
    return { version, file, sql: readFileSync(join(dir, file), 'utf8') };
  });
}

export const MIGRATIONS: readonly string[] = loadMigrations().map((m) => m.sql);
