import type { ShareAnswer } from '../../../src-shared/api';

/**
 * One hospital's part in a share request, in words (issue 11: each hospital holding records of the
 * patient answers for itself): the viewing hospital's own answer says "you".
 */
export function answerInWords(a: ShareAnswer): string {
  const n = (a.resourceCount ?? 0).toLocaleString('en');
  const records = `${n} record${a.resourceCount === 1 ? '' : 's'}`;
  switch (a.state) {
    case 'shared': return a.you ? `you shared ${records}` : `shared ${records}`;
    case 'refused': return `${a.you ? 'you refused' : 'refused'}: ${a.reason ?? 'no reason given'}`;
    case 'approved': return 'you approved: publishing once the blocks commit';
    default: return a.you ? 'awaiting your answer' : 'not answered yet';
  }
}

const BADGE: Record<ShareAnswer['state'], string> = { shared: 'good', refused: 'bad', approved: 'good', awaiting: 'warn' };

/** Every hospital's answer to a request: shared N records, refused with the reason, or not answered yet. */
export function AnswerList({ answers }: { answers: ShareAnswer[] | undefined }) {
  if (!answers?.length) return <p className="muted" data-testid="request-answers">No hospital has answered yet.</p>;
  return (
    <ul className="list compact" data-testid="request-answers" aria-label="Answers per hospital">
      {answers.map((a) => (
        <li key={a.hospital.id} data-testid="request-answer" data-hospital={a.hospital.name} data-state={a.state}>
          <span className={`badge badge-${BADGE[a.state]}`}>{a.state === 'awaiting' ? 'waiting' : a.state}</span>{' '}
          <strong>{a.hospital.name}{a.you ? ' (you)' : ''}</strong>: {answerInWords(a)}
        </li>
      ))}
    </ul>
  );
}
