/**
 * `trichain demo [--data DIR]`: starts the training consortium (src-main/app/demo.ts) in one
 * process: St Mary Hospital, Riverside Clinic, Milan Beatty's laptop, an insurer and a research
 * institute, each a real node with its own data folder and HTTPS peer server on 127.0.0.1. The
 * first run builds it (a minute at most) and imports the synthetic Synthea patients shipped in
 * the project; later runs reopen it in seconds. DIR defaults to <data folder>/demo (the data
 * folder is $TRICHAIN_DATA or the platform's, see host/paths.ts).
 *
 * Every demo keystore is locked with the passphrase "trichain-demo": the data is synthetic.
 * A new demo has four hospitals validating the hospital and social chains (app/demo-quorum.ts);
 * --solo (or TRICHAIN_DEMO_QUORUM=0) builds one with St Mary as the only validator (--quorum, the
 * default, is still accepted); an existing demo folder keeps what it was built with.
 *
 * Machine-readable lines on stdout:
 *   TRICHAIN_DEMO_PROGRESS done=<n> total=<t> step=<json string>
 *   TRICHAIN_DEMO_NODE role=<demo role> node=<hospital|patient|entity> peer=<host:port> name=<json string> data=<json string>
 *   TRICHAIN_DEMO_READY <json: { base, created, nodes: [{ role, label, name, nodeRole, kind?, peer, fingerprint, data }], patients }>
 * Runs until SIGINT or SIGTERM, then closes every daemon and node and prints "stopped".
 *
 * With `--walk OUT` it runs one whole share headless instead (app/walk.ts), prints
 *   TRICHAIN_WALK step=<json string> detail=<json string>      per step done
 *   TRICHAIN_WALK_DONE <json: { requestId, resources, packageFile, receivedFile, checks, packages, refused? }>
 * writes OUT/package and OUT/received.json (St Mary's), OUT/package-riverside and OUT/received-riverside.json (Riverside's, answering the same request for itself), stops the consortium and exits 0; when a step fails it
 * prints TRICHAIN_WALK_FAILED step=<json string> reason=<json string> and exits 1.
 */
import { join } from 'node:path';
import { startDemo } from '../../app/demo';
import { DEMO_PASSPHRASE, DEMO_ROLE_ORDER, DEMO_ROLES } from '../../app/demo-roles';
import { walkShare, WalkError } from '../../app/walk';
import { defaultDataDir } from '../../host/paths';
import { parse } from '../args';
import { CliError, type CliIO } from '../io';

export const summary = 'start the training demo consortium (5 nodes on this machine): trichain demo [--data DIR] [--walk OUT: run one whole share headless, write OUT/package and OUT/received.json]';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, verbose: { type: 'boolean', default: false }, walk: { type: 'string' }, quorum: { type: 'boolean', default: true }, solo: { type: 'boolean', default: io.env.TRICHAIN_DEMO_QUORUM === '0' } });
  const dir = values.data ?? join(defaultDataDir(io.env as NodeJS.ProcessEnv), 'demo');
  io.err(`trichain demo: ${dir} (synthetic data; every node's passphrase is "${DEMO_PASSPHRASE}")`);
  // Listen for the stop signals before anything starts: a signal during start-up then waits for
  // start-up to finish and closes cleanly instead of killing the process mid-write.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  let demo;
  try {
    demo = await startDemo(dir, {
      quorum: !values.solo,
      onProgress: (step, done, total) => io.out(`TRICHAIN_DEMO_PROGRESS done=${done} total=${total} step=${JSON.stringify(step)}`),
      log: values.verbose ? (l) => io.err(l) : undefined,
    });
  } catch (e) {
    throw new CliError(`cannot start the demo: ${(e as Error).message}`, 1);
  }
  const nodes = DEMO_ROLE_ORDER.map((role) => {
    const n = demo.nodes[role];
    const d = demo.daemons[role];
    const info = DEMO_ROLES[role];
    return { role, label: info.label, name: n.config.name, nodeRole: n.config.role, ...(info.kind ? { kind: info.kind } : {}), peer: d.listen, fingerprint: d.fingerprint, data: n.paths.dir };
  });
  for (const n of nodes) io.out(`TRICHAIN_DEMO_NODE role=${n.role} node=${n.nodeRole} peer=${n.peer} name=${JSON.stringify(n.name)} data=${JSON.stringify(n.data)}`);
  io.out(`TRICHAIN_DEMO_READY ${JSON.stringify({ base: demo.baseDir, created: demo.created, nodes, patients: demo.patients })}`);
  if (values.walk !== undefined) {
    try {
      const r = await walkShare(demo, values.walk, { progress: (step, detail) => io.out(`TRICHAIN_WALK step=${JSON.stringify(step)} detail=${JSON.stringify(detail)}`) });
      io.out(`TRICHAIN_WALK_DONE ${JSON.stringify(r)}`);
      return 0;
    } catch (e) {
      const step = e instanceof WalkError ? e.step : 'walk';
      io.out(`TRICHAIN_WALK_FAILED step=${JSON.stringify(step)} reason=${JSON.stringify((e as Error).message)}`);
      io.err(`walk failed at "${step}": ${(e as Error).message}`);
      return 1;
    } finally {
      await demo.close();
    }
  }
  io.err(`demo consortium running (${demo.created ? 'created' : 'reopened'}); press Ctrl+C to stop`);
  await stopRequested;
  await demo.close();
  io.out('stopped');
  return 0;
}
