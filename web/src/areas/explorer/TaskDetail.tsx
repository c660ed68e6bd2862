// TaskDetail.tsx — one task of a job, opened from the job page: its record
// (GET /market/task: kind, challenge, replicas and their results) and every
// answer to it, with the tx that carried it, its block and the verdict.
import { Alert, Chip, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import type { Answer } from './jobAnswers';
import { AddressLink, BlockLink, Mono, TxLink } from './links';
import type { Task } from './types';
import { verdictColor } from './verdicts';

export function TaskDetail({ id, answers, times }: { id: string; answers: Answer[]; times: Map<number, number> }) {
  const { api } = useSession();
  const task = useApi(() => api.get<Task>(`/market/task/${id}`), [api, id]);
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
      {t.results.some((r) => r.result_hash) && (
        <Typography variant="body2">
          Results: {t.results.filter((r) => r.result_hash).map((r) => <span key={r.worker}><AddressLink address={r.worker} /> <Mono>{r.result_hash!}</Mono>{' '}</span>)}
        </Typography>
      )}
      {answers.length === 0 ? <Alert severity="info">No answer to this task is on chain yet.</Alert> : (
        <TableContainer sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label={`Answers to task ${t.index}`}>
            <TableHead>
              <TableRow><TableCell>By</TableCell><TableCell>Tx</TableCell><TableCell>Verdict</TableCell><TableCell>Block</TableCell><TableCell>Time</TableCell><TableCell>Reason</TableCell></TableRow>
            </TableHead>
            <TableBody>
              {answers.map((a) => (
                <TableRow key={a.hash}>
                  <TableCell><AddressLink address={a.by} /></TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{a.txType} <TxLink hash={a.hash} /></TableCell>
                  <TableCell><Chip size="small" label={a.verdict} color={verdictColor(a.verdict)} variant="outlined" /></TableCell>
                  <TableCell>{a.height !== null ? <BlockLink height={a.height} /> : 'pending'}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{a.height !== null && times.has(a.height) ? formatTime(times.get(a.height)) : '—'}</TableCell>
                  <TableCell>{a.error ?? '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Stack>
  );
}
