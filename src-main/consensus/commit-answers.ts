/**
 * How a node that fell behind catches up (./engine): a message from a peer at a height this node
 * has already decided is answered with a `commit` message, the decided value and its certificate,
 * at most once per peer and height per `resendMs`. The last COMMIT_CACHE decisions are kept here;
 * older ones come from the app (`committedAt`) when it can tell.
 */
import type { ConsensusApp } from './abci';
import { encodeMessage, type CommitMessage } from './messages';

const COMMIT_CACHE = 256;
const MAX_RESENT = 4096;

export class CommitAnswers {
  private readonly commits = new Map<number, CommitMessage>();
  /** `peer/height` → when it was last answered. */
  private readonly resent = new Map<string, number>();

  constructor(
    private readonly app: Pick<ConsensusApp, 'committedAt'>,
    private readonly resendMs: number,
  ) {}

  /** Keeps a decision to answer with. */
  remember(c: CommitMessage): void {
    this.commits.set(c.height, c);
    if (this.commits.size > COMMIT_CACHE) this.commits.delete(Math.min(...this.commits.keys()));
  }

  /** The encoded commit to send `from` for `height`, or null (unknown height, or answered within resendMs). */
  answer(from: string, height: number, now: number): Uint8Array | null {
    const key = `${from}/${height}`;
    const last = this.resent.get(key);
    if (last !== undefined && now - last < this.resendMs) return null;
    const c = this.commits.get(height) ?? this.fromApp(height);
    if (!c) return null;
    this.resent.set(key, now);
    if (this.resent.size > MAX_RESENT) this.resent.clear();
    return encodeMessage({ kind: 'commit', commit: c });
  }

  private fromApp(height: number): CommitMessage | undefined {
    const x = this.app.committedAt?.(height);
    return x ? { height, value: x.value, certificate: x.certificate } : undefined;
  }
}
