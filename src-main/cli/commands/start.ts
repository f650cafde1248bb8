import { writeConfig } from '../../node/config';
import { startLocalApi } from '../../node/local-api';
import { parse, requireOpt } from '../args';
import type { CliIO } from '../io';
import { openNode } from '../unlock';

export const summary = 'run the node headless (verifies its chains, serves its local API; --listen HOST:PORT for peers)';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' }, listen: { type: 'string' }, 'api-port': { type: 'string' } });
  const dir = requireOpt(values.data, '--data DIR');
  const node = await openNode(dir, io);
  const api = await startLocalApi(node, values['api-port'] ? Number(values['api-port']) : 0);
  writeConfig(node.paths.config, { ...node.config, api: api.url, ...(values.listen ? { listen: values.listen } : {}) });
  const s = node.status();
  io.out(`${s.identity.name} (${s.identity.role}) serving; local API ${api.url} (token in ${dir}/api-token)`);
  io.out(`TRICHAIN_NODE_READY api=${api.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  api.server.close();
  node.close();
  io.out('stopped');
  return 0;
}
