/**
 * One SQLite database per node (better-sqlite3): WAL journal, full fsync on commit, foreign
 * data refused. Opening runs the pending migrations; a database written by a newer Trichain
 * (user_version beyond what this build knows) is refused rather than misread.
 */
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type DB = Database.Database;

export class StorageError extends Error {}

export function openDatabase(file: string, opts: { readonly?: boolean } = {}): DB {
  let db: DB;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (e) {
    throw new StorageError(`cannot open database ${file}: ${(e as Error).message}`);
  }
  try {
    // Several processes may open one node's database (a running daemon, `trichain status`):
    // wait for a writer's lock rather than fail at once.
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: a committed block survives power loss, not only a process crash.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new StorageError(`database ${file} is corrupt: ${String(check)}`);
    if (!opts.readonly) migrate(db);
    else if (schemaVersion(db) !== MIGRATIONS.length) throw new StorageError(`database ${file} has schema ${schemaVersion(db)}, expected ${MIGRATIONS.length}`);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof StorageError) throw e;
    throw new StorageError(`database ${file} is unreadable: ${(e as Error).message}`);
  }
}

/** Runs `fn` in an IMMEDIATE transaction that is rolled back (a check or a dry run), unless `keep()` says otherwise once `fn` returned. */
export function rolledBack(db: DB, fn: () => void, keep: () => boolean = () => false): void {
  const rollback = new Error('rollback');
  try {
    db.transaction(() => {
      fn();
      if (!keep()) throw rollback;
    }).immediate();
  } catch (e) {
    if (e !== rollback) throw e;
  }
}

export function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: DB): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new StorageError(`database schema ${current} is newer than this Trichain (knows ${MIGRATIONS.length}); upgrade Trichain`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
