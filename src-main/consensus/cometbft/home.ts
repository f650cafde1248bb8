/**
 * A CometBFT home per chain per validator (config/, data/): created with the binary's own
 * `cometbft init`, then configured for a small permissioned consortium:
 *   - the app at a unix socket in the home (proxy_app), RPC and P2P on loopback or given ports;
 *   - persistent peers only (no peer exchange), duplicate IPs allowed (one host in tests);
 *   - vote extensions enabled from height 1 (never changed afterwards);
 *   - block times: 1 s propose timeout, 250 ms commit timeout, an empty block at most every second
 *     when idle (certificates land two heights later, so idle chains still certify their last block);
 *   - mempool recheck off (PrepareProposal re-checks every transaction against the ledger), no tx index.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalEncode, type Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { genesisHash } from '../../ledger/encoding';
import type { Genesis, ValidatorInfo } from '../../ledger/types';
import type { CometAppState } from './application';
import { addressOf, nodeIdOf, publicKeyOfKeyFile } from './keys';
import { VOTING_POWER } from './validators';

export interface CometHome {
  home: string;
  /** ed25519 validator key (priv_validator_key.json). */
  consensusKey: Uint8Array;
  nodeId: string;
}

export interface CometPorts {
  p2p: number;
  rpc: number;
}

/**
 * Creates the home (`cometbft init`) unless it exists. `keysFrom`: another home whose validator and
 * node keys this one uses instead of fresh ones (a node's one CometBFT identity for all its chains:
 * CometBFT signs with the chain id in every vote, each home keeps its own double-sign state, and
 * each chain has its own P2P network, so one node ID serves all three).
 */
export function initHome(binary: string, home: string, keysFrom?: string): CometHome {
  const keyFile = join(home, 'config', 'priv_validator_key.json');
  if (!existsSync(keyFile)) {
    execFileSync(binary, ['init', '--home', home], { stdio: 'ignore' });
    if (keysFrom) {
      copyFileSync(join(keysFrom, 'config', 'priv_validator_key.json'), keyFile);
      copyFileSync(join(keysFrom, 'config', 'node_key.json'), join(home, 'config', 'node_key.json'));
    }
  }
  return {
    home,
    consensusKey: publicKeyOfKeyFile(join(home, 'config', 'priv_validator_key.json')),
    nodeId: nodeIdOf(publicKeyOfKeyFile(join(home, 'config', 'node_key.json'))),
  };
}

/** A node's one CometBFT identity (DIR/cometbft/validator: validator and node keys): made once, used by each chain's home. */
export function nodeValidatorKey(binary: string, dir: string): CometHome {
  return initHome(binary, join(dir, 'cometbft', 'validator'));
}

export const cometChainId = (g: Genesis): string => `trichain-${g.chain}-${toHex(genesisHash(g)).slice(0, 12)}`;

/**
 * Where CometBFT takes over a chain whose solo founder certified its first blocks (validators.ts
 * cometStartHeight): its initial height, the hash and time of the block before it (CometBFT's
 * genesis app hash and time) and the validator set in force there.
 */
export interface CometStart {
  height: number;
  appHash: Uint8Array;
  time: number;
  validators: ValidatorInfo[];
}

/** CometBFT's genesis.json for a Trichain genesis whose validators name their consensusKey (from `start`, when given). */
export function cometGenesis(g: Genesis, start?: CometStart): Record<string, unknown> {
  const appState: CometAppState = { trichain: { chain: g.chain, genesisHash: toHex(genesisHash(g)), genesis: toHex(canonicalEncode(g as unknown as Canonical)) } };
  return {
    genesis_time: new Date(start?.time ?? g.time).toISOString(),
    chain_id: cometChainId(g),
    initial_height: String(start?.height ?? 1),
    consensus_params: {
      block: { max_bytes: '8388608', max_gas: '-1' },
      evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
      validator: { pub_key_types: ['ed25519'] },
      version: { app: '0' },
      abci: { vote_extensions_enable_height: '1' },
    },
    validators: (start?.validators ?? g.validators).map((v) => ({
      address: toHex(addressOf(v.consensusKey!)).toUpperCase(),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(v.consensusKey!).toString('base64') },
      power: String(VOTING_POWER),
      name: v.name,
    })),
    app_hash: start ? toHex(start.appHash).toUpperCase() : '',
    app_state: appState,
  };
}

export interface HomeConfig {
  moniker: string;
  ports: CometPorts;
  /** Address the P2P listener binds to (default 127.0.0.1). */
  host?: string;
  /** "nodeId@host:port" of the other validators of this chain. */
  peers: string[];
  socket: string;
  logLevel?: string;
  /** CometBFT takes over at this height (default: from genesis). */
  start?: CometStart;
}

function setKey(toml: string, section: string, key: string, value: string): string {
  const lines = toml.split('\n');
  let cur = '';
  for (let i = 0; i < lines.length; i++) {
    const m = /^\[([^\]]+)\]\s*$/.exec(lines[i]);
    if (m) cur = m[1];
    else if (cur === section && new RegExp(`^${key}\\s*=`).test(lines[i])) {
      lines[i] = `${key} = ${value}`;
      return lines.join('\n');
    }
  }
  throw new Error(`config.toml: no ${section ? `[${section}] ` : ''}${key}`);
}

export function configureHome(h: CometHome, g: Genesis, c: HomeConfig): void {
  writeFileSync(join(h.home, 'config', 'genesis.json'), JSON.stringify(cometGenesis(g, c.start), null, 2));
  const file = join(h.home, 'config', 'config.toml');
  let t = readFileSync(file, 'utf8');
  const q = (s: string) => JSON.stringify(s);
  const host = c.host ?? '127.0.0.1';
  const edits: [string, string, string][] = [
    ['', 'proxy_app', q(`unix://${c.socket}`)],
    ['', 'moniker', q(c.moniker)],
    ['', 'log_level', q(c.logLevel ?? 'state:info,*:error')],
    ['rpc', 'laddr', q(`tcp://127.0.0.1:${c.ports.rpc}`)],
    ['p2p', 'laddr', q(`tcp://${host}:${c.ports.p2p}`)],
    ['p2p', 'persistent_peers', q(c.peers.join(','))],
    ['p2p', 'addr_book_strict', 'false'],
    ['p2p', 'allow_duplicate_ip', 'true'],
    ['p2p', 'pex', 'false'],
    ['p2p', 'flush_throttle_timeout', q('10ms')],
    ['p2p', 'max_packet_msg_payload_size', '10240'],
    ['p2p', 'send_rate', '52428800'],
    ['p2p', 'recv_rate', '52428800'],
    ['p2p', 'persistent_peers_max_dial_period', q('2s')],
    ['mempool', 'recheck', 'false'],
    ['mempool', 'size', '50000'],
    ['mempool', 'cache_size', '100000'],
    ['consensus', 'timeout_propose', q('1s')],
    ['consensus', 'timeout_commit', q('250ms')],
    ['consensus', 'create_empty_blocks', 'true'],
    ['consensus', 'create_empty_blocks_interval', q('1s')],
    ['consensus', 'peer_gossip_sleep_duration', q('10ms')],
    ['tx_index', 'indexer', q('null')],
  ];
  for (const [s, k, v] of edits) t = setKey(t, s, k, v);
  writeFileSync(file, t);
}
