// txSummary.ts — one line that says what a tx did, and the addresses and ids
// it names (so pages can link them), from its wire JSON (docs/protocol.md).
import { shortHash } from '../../lib/format';
import { cpc } from './money';
import type { Tx } from './types';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function amount(v: unknown): string {
  return typeof v === 'number' || typeof v === 'string' ? cpc(v) : '—';
}

/** A short human description of tx's effect. */
export function txSummary(tx: Pick<Tx, 'tx_type' | 'payload'>): string {
  const p = tx.payload ?? {};
  switch (tx.tx_type) {
    case 'TRANSFER':
      return `${amount(p.amount)} to ${shortHash(str(p.to) ?? '?')}`;
    case 'STAKE':
      return `stake ${amount(p.amount)}`;
    case 'UNSTAKE':
      return `unstake ${amount(p.amount)}`;
    case 'SUBMIT_RESULT':
      return `result for task ${shortHash(str(p.task_id) ?? '?', 8, 4)}`;
    case 'JOB_CREATE': {
      const kind = str(p.kind);
      const tasks = typeof p.tasks === 'number' ? p.tasks : undefined;
      return `new ${kind ?? ''} job${tasks !== undefined ? ` of ${tasks} task${tasks === 1 ? '' : 's'}` : ''}`.replace(/\s+/g, ' ');
    }
    case 'JOB_CANCEL':
      return `cancel job ${shortHash(str(p.job_id) ?? '?')}`;
    case 'JOB_EXTEND':
      return `extend job ${shortHash(str(p.job_id) ?? '?')}`;
    case 'REVEAL':
    case 'RESULT_REVEAL':
      return `reveal for task ${shortHash(str(p.task_id) ?? '?', 8, 4)}`;
    case 'VERDICT':
      return `${p.accept ? 'accept' : 'reject'} task ${shortHash(str(p.task_id) ?? '?', 8, 4)}`;
    case 'WORKER_REGISTER':
      return `register worker, stake ${amount(p.stake)}`;
    case 'WORKER_DEREGISTER':
      return 'deregister worker';
    case 'RENTAL_OPEN':
      return `rent a server, deposit ${amount(p.deposit)}`;
    case 'RENTAL_END':
      return `end rental ${shortHash(str(p.rental_id) ?? '?')}`;
    case 'RENTAL_EXTEND':
      return `extend rental by ${amount(p.amount)}`;
    case 'COMMISSION_SET':
      return `commission ${typeof p.bps === 'number' ? `${p.bps / 100} %` : '?'} for ${shortHash(str(p.provider) ?? '?')}`;
    default:
      return tx.tx_type.toLowerCase().replace(/_/g, ' ');
  }
}

/** The tx's other party, if its payload names one (the recipient, provider or worker). */
export function txCounterparty(tx: Pick<Tx, 'payload'>): string | undefined {
  const p = tx.payload ?? {};
  const a = str(p.to) ?? str(p.provider) ?? str(p.worker_address) ?? str((p.offer as Record<string, unknown> | undefined)?.provider);
  return a && a.startsWith('cpc1') ? a : undefined;
}

/** How tx concerns `address`: sent by it, received by it, or both. */
export function txDirection(tx: Pick<Tx, 'from' | 'payload'>, address: string): 'out' | 'in' | 'self' {
  const to = txCounterparty(tx);
  if (tx.from === address) return to === address ? 'self' : 'out';
  return 'in';
}
