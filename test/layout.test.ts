/**
 * The layout rules of docs/architecture.md, enforced:
 *   - dependencies run one way: crypto, codec, storage → ledger → consensus → net → node → emr → app
 *     → host, electron, cli (a folder imports only its own layer and the layers before it);
 *   - the node (all of src-main but src-main/electron) imports no Electron;
 *   - the shared words (chains, roles, purposes, entity kinds, FhirResource) are defined once, in
 *     src-shared/vocabulary.ts, and imported everywhere else;
 *   - no test code ships in src-main, src-shared or src-renderer: tests, helpers, fixtures and the
 *     simulation live under test/;
 *   - one owner per table of a workflow: only emr/share/store.ts issues SQL on `shares_out`, and
 *     only the ledger (and the node's own bookkeeping) reads the `txs` index, never emr or app;
 *   - no source file under src-main, src-shared or src-renderer is over MAX_LINES lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const MAX_LINES = 400;
const LAYERS: string[][] = [
  ['crypto', 'codec', 'storage'],
  ['ledger'],
  ['consensus'],
  ['net'],
  ['node'],
  ['emr'],
  ['app'],
  ['host', 'electron', 'cli'],
];
const rank = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

const rel = (p: string) => relative(ROOT, p).split(sep).join('/');
const sources = (dir: string) => files(join(ROOT, dir)).filter((f) => /\.(ts|tsx)$/.test(f));
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The src-main folder a file or import target is in ('' when outside src-main). */
function folderOf(absPath: string): string {
  const r = rel(absPath);
  return r.startsWith('src-main/') ? r.split('/')[1] : '';
}

describe('layout', () => {
  it('dependencies run one way between the src-main layers', () => {
    const wrong: string[] = [];
    for (const f of sources('src-main')) {
      const from = folderOf(f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        const to = folderOf(target);
        if (!to || to === from) continue;
        if (rank(to) > rank(from)) wrong.push(`${rel(f)} imports ${spec} (${from} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the shared words are defined once, in src-shared/vocabulary.ts', () => {
    const WORDS = ['CHAINS', 'ChainId', 'ROLES', 'Role', 'USER_ROLES', 'PURPOSES', 'PurposeCode', 'ENTITY_KINDS', 'FhirResource'];
    const DEFINE = new RegExp(`\\b(?:const|let|type|interface|enum|class|function)\\s+(${WORDS.join('|')})\\b`, 'g');
    const where: Record<string, string[]> = Object.fromEntries(WORDS.map((w) => [w, []]));
    for (const dir of ['src-main', 'src-shared', 'src-renderer']) {
      for (const f of sources(dir)) {
        // Imports and re-exports name a word without defining it.
        const text = readFileSync(f, 'utf8').replace(/(?:import|export)\s[^;]*?from\s+['"][^'"]+['"]/gs, '');
        for (const m of text.matchAll(DEFINE)) where[m[1]].push(rel(f));
      }
    }
    expect(where).toEqual(Object.fromEntries(WORDS.map((w) => [w, ['src-shared/vocabulary.ts']])));
  });

  it('ROLES, CHAINS and PURPOSES are exported once: everyone imports them from src-shared/vocabulary.ts, nothing re-exports them', () => {
    const reexports: string[] = [];
    for (const dir of ['src-main', 'src-shared', 'src-renderer']) {
      for (const f of sources(dir)) {
        for (const m of readFileSync(f, 'utf8').matchAll(/export\s*\{([^}]*)\}\s*from/gs)) {
          for (const w of ['ROLES', 'CHAINS', 'PURPOSES']) if (new RegExp(`(^|[\\s,])${w}([\\s,]|$)`).test(m[1])) reexports.push(`${rel(f)} re-exports ${w}`);
        }
      }
    }
    expect(reexports).toEqual([]);
  });

  it('the node imports no Electron (only src-main/electron does)', () => {
    const wrong = sources('src-main')
      .filter((f) => folderOf(f) !== 'electron')
      .filter((f) => importsOf(f).some((s) => s === 'electron' || s.startsWith('electron/')))
      .map(rel);
    expect(wrong).toEqual([]);
  });

  it('no test code ships in the product folders (tests, helpers, fixtures and the simulation live under test/)', () => {
    const wrong = ['src-main', 'src-shared', 'src-renderer']
      .flatMap((dir) => files(join(ROOT, dir)))
      .map(rel)
      .filter((r) => /test(?!net)|fixture|(^|\/)sim\//i.test(r.split('/').slice(1).join('/')));
    expect(wrong).toEqual([]);
  });


  it('only the share store issues SQL on shares_out; emr and app never query the txs index', () => {
    const wrong: string[] = [];
    for (const f of sources('src-main')) {
      const r = rel(f);
      const text = readFileSync(f, 'utf8');
      if (/\bshares_out\b/.test(text) && r !== 'src-main/emr/share/store.ts') wrong.push(`${r} names shares_out`);
      if (/\bFROM\s+txs\b/i.test(text) && ['emr', 'app'].includes(folderOf(f))) wrong.push(`${r} queries the txs table`);
    }
    expect(wrong).toEqual([]);
  });

  it(`no source file over ${MAX_LINES} lines`, () => {
    const over: string[] = [];
    for (const dir of ['src-main', 'src-shared', 'src-renderer']) {
      for (const f of sources(dir)) {
        const n = readFileSync(f, 'utf8').split('\n').length - 1;
        if (n > MAX_LINES) over.push(`${rel(f)}: ${n} lines`);
      }
    }
    expect(over).toEqual([]);
  });
});
