// TaskDetail.tsx — one task of a job, opened from the job page: its record
// (GET /market/task) and, for each worker that answered it, the verdict and
// when it was recorded: the worker's tx naming this task, found among its
// latest 100 txs (GET /account/{worker}/txs), with its block.
import { Alert, Chip, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading } from '../../components/common';
import { useApi } from '../../lib/useApi';
import { AddressLink, BlockLink, Mono, TxLink } from './links';
import type { AccountTxs, Task, Tx } from './types';
import { committerVerdict, replicaVerdict, verdictColor, type Verdict } from './verdicts';

const WORKER_TX_WINDOW = 100;

interface Answer {
  worker: string;
  verdict: Verdict;
  resultHash?: string;
  txs: Tx[];
}

async function answersOf(get: <T>(p: string, q?: Record<string, number>) => Promise<T>, task: Task): Promise<Answer[]> {
  const rows: Omit<Answer, 'txs'>[] = task.results.length
    ? task.results.map((r) => ({ worker: r.worker, verdict: replicaVerdict(task.status, r.state), resultHash: r.result_hash }))
    : task.worker ? [{ worker: task.worker, verdict: committerVerdict(task.status) }] : [];
  return Promise.all(rows.map(async (r) => {
    const list = await get<AccountTxs>(`/account/${r.worker}/txs`, { limit: WORKER_TX_WINDOW }).catch(() => null);
    const txs = (list?.txs ?? []).filter((t) => t.payload && (t.payload as { task_id?: unknown }).task_id === task.id);
    return { ...r, txs };
  }));
}

export function TaskDetail({ id }: { id: string }) {
  const { api } = useSession();
  const task = useApi(() => api.get<Task>(`/market/task/${id}`), [api, id]);
  const answers = useApi(() => (task.data ? answersOf((p, q) => api.get(p, q), task.data) : null), [api, task.data]);
  if (task.loading && !task.data) return <Loading label="Loading the task…" />;
  if (task.error) return <ErrorAlert error={task.error} onRetry={task.reload} />;
  const t = task.data;
  if (!t) return null;
  return (
    <Stack spacing={1} sx={{ py: 1 }}>
      <Typography variant="body2">
        Task <Mono>{t.id}</Mono> · {t.kind ?? 'task'} · status <strong>{t.status}</strong>
        {t.attempts ? ` · ${t.attempts} rejected attempt${t.attempts === 1 ? '' : 's'}` : ''}
        {t.challenge ? ` · challenged rows ${t.challenge.rows.join(', ')}, reveal by block ${t.challenge.reveal_deadline}` : ''}
      </Typography>
      {answers.loading && !answers.data ? <Loading label="Looking up the workers' answers…" />
        : answers.error ? <ErrorAlert error={answers.error} onRetry={answers.reload} />
        : !answers.data?.length ? <Alert severity="info">No worker has answered this task yet{t.attempts ? ' (earlier answers were rejected and cleared)' : ''}.</Alert>
        : (
          <TableContainer sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label={`Answers to task ${t.index}`}>
              <TableHead>
                <TableRow><TableCell>Worker</TableCell><TableCell>Verdict</TableCell><TableCell>Recorded by</TableCell><TableCell>Block</TableCell><TableCell>Result</TableCell></TableRow>
              </TableHead>
              <TableBody>
                {answers.data.map((a) => (
                  <TableRow key={a.worker}>
                    <TableCell><AddressLink address={a.worker} /></TableCell>
                    <TableCell><Chip size="small" label={a.verdict} color={verdictColor(a.verdict)} variant="outlined" /></TableCell>
                    <TableCell>
                      {a.txs.length ? (
                        <Stack spacing={0.5}>
                          {a.txs.map((x) => <span key={x.hash}>{x.tx_type} <TxLink hash={x.hash} /> ({x.status})</span>)}
                        </Stack>
                      ) : `not among the worker's latest ${WORKER_TX_WINDOW} txs`}
                    </TableCell>
                    <TableCell>
                      {a.txs.length && a.txs[0].height !== null ? <BlockLink height={a.txs[0].height} /> : t.commit_height ? <BlockLink height={t.commit_height} /> : '—'}
                    </TableCell>
                    <TableCell>{a.resultHash ? <Mono>{a.resultHash}</Mono> : '—'}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
    </Stack>
  );
}
