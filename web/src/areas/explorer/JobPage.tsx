// JobPage.tsx — /explorer/job/:id: a compute job (GET /market/job/{id}), its
// money and its tasks a page at a time, each with who answered it, the chain's
// verdict and the block (GET /market/job/{id}/txs); a task opens to show its
// record and the txs (TaskDetail). Refetched when a block may change it.
import { Fragment, useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import {
  Alert, Button, Chip, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TablePagination, TableRow, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { ApiError } from '../../api/client';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useEvents } from '../../lib/sse';
import { Fields, Figures } from './Figures';
import { AddressLink, BlockLink, Mono } from './links';
import { asBlockHeader } from './liveLists';
import { cpc } from './money';
import { TaskDetail } from './TaskDetail';
import { answersByTask, type Answer } from './jobAnswers';
import type { BlocksPage, Job, Tx } from './types';
import { verdictColor } from './verdicts';

const TXS_WINDOW = 200;

interface JobTxs {
  job_id: string;
  count: number;
  truncated: boolean;
  txs: Tx[];
}

function AnswerCell({ answers, times }: { answers: Answer[] | undefined; times: Map<number, number> }) {
  if (!answers?.length) return <>—</>;
  return (
    <>
      {answers.map((a) => (
        <Stack key={a.hash} direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', py: 0.25 }}>
          <AddressLink address={a.by} />
          <Chip size="small" label={a.verdict} color={verdictColor(a.verdict)} variant="outlined" />
          {a.height !== null && (
            <span title={times.has(a.height) ? formatTime(times.get(a.height)) : undefined}>
              block <BlockLink height={a.height} />
            </span>
          )}
        </Stack>
      ))}
    </>
  );
}

export default function JobPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const valid = /^[0-9a-f]{64}$/i.test(id);
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(50);
  const [open, setOpen] = useState<string | null>(null);
  const job = useApi(() => (valid ? api.get<Job>(`/market/job/${id.toLowerCase()}`, { offset: page * size, limit: size }) : null), [api, id, page, size, valid]);
  // an active job changes with the txs that answer it, and at its deadline
  useEvents(['block'], (d) => {
    const b = asBlockHeader(d);
    if (!b || !job.data || job.data.status !== 'active') return;
    if (b.n_txs > 0 || b.height >= job.data.deadline_height) job.reload();
  });
  const txs = useApi(() => (valid ? api.get<JobTxs>(`/market/job/${id.toLowerCase()}/txs`, { limit: TXS_WINDOW }) : null), [api, id, valid, job.data]);
  const answers = useMemo(() => answersByTask(txs.data?.txs ?? [], job.data?.tasks ?? []), [txs.data, job.data]);
  // the times of the blocks that hold answers (one page of headers from the first)
  const first = useMemo(() => Math.min(...(txs.data?.txs ?? []).map((t) => t.height ?? Infinity)), [txs.data]);
  const headers = useApi(() => (Number.isFinite(first) ? api.get<BlocksPage>('/blocks', { from: first, limit: 100 }) : null), [api, first]);
  const times = useMemo(() => new Map((headers.data?.blocks ?? []).map((b) => [b.height, b.time])), [headers.data]);
  const j = job.data;
  const total = typeof j?.contract.tasks === 'number' ? j.contract.tasks : (j ? j.offset + j.tasks.length : 0);
  return (
    <Page title="Job">
      {!valid ? <Alert severity="warning">“{id}” is not a job id (64 hexadecimal characters).</Alert>
        : job.loading && !j ? <Loading label="Loading the job…" />
        : job.error instanceof ApiError && job.error.status === 404 ? <Alert severity="info">No job has the id <Mono>{id}</Mono>.</Alert>
        : job.error ? <ErrorAlert error={job.error} onRetry={job.reload} />
        : j ? (
          <>
            <Figures label="Job figures" items={[
              { label: 'Status', value: j.status },
              { label: 'Tasks done', value: `${j.tasks_done} / ${total}` },
              { label: 'Kind', value: String(j.contract.kind ?? '—') },
              { label: 'Reward per task', value: cpc(j.contract.reward) },
              { label: 'Paid to workers', value: cpc(j.money?.paid) },
              { label: 'Escrowed', value: cpc(j.money?.escrowed) },
            ]} />
            <Fields label="Job record" rows={[
              ['Job id', <Mono key="i">{j.id}</Mono>],
              ['Creator', <AddressLink key="c" address={j.creator} full />],
              ['Escrow account', <AddressLink key="e" address={j.escrow} full />],
              ['Created at block', <BlockLink key="b" height={j.created_height} />],
              ['Deadline block', String(j.deadline_height)],
              ['Replication', String(j.contract.replication ?? 1)],
              ['Task counts', Object.entries(j.task_counts).map(([k, v]) => `${v} ${k}`).join(', ') + ' (this page)'],
              ['Refund', cpc(j.money?.refund)],
              ['Commission', cpc(j.money?.commission)],
            ]} />
            <Paper variant="outlined" component="section" aria-labelledby="job-tasks">
              <Typography id="job-tasks" variant="h6" component="h2" sx={{ p: 1.5, pb: 0 }}>Tasks</Typography>
              {txs.error && <ErrorAlert error={txs.error} onRetry={txs.reload} />}
              {txs.data && (txs.data.truncated || txs.data.count >= TXS_WINDOW) && (
                <Alert severity="info" sx={{ mx: 1.5 }}>Answers: only the job's latest {TXS_WINDOW} transactions are read; older answers are not shown.</Alert>
              )}
              {j.tasks.length === 0 ? <Empty>No tasks on this page.</Empty> : (
                <TableContainer sx={{ overflowX: 'auto' }}>
                  <Table size="small" aria-labelledby="job-tasks">
                    <TableHead>
                      <TableRow><TableCell>#</TableCell><TableCell>Status</TableCell><TableCell>Answers (worker, verdict, block)</TableCell><TableCell>Details</TableCell></TableRow>
                    </TableHead>
                    <TableBody>
                      {j.tasks.map((t) => (
                        <Fragment key={t.id}>
                          <TableRow>
                            <TableCell>{t.index}</TableCell>
                            <TableCell>{t.status}</TableCell>
                            <TableCell><AnswerCell answers={answers.get(t.id.toLowerCase())} times={times} /></TableCell>
                            <TableCell>
                              <Button size="small" aria-expanded={open === t.id} aria-label={`${open === t.id ? 'Hide' : 'Show'} task ${t.index}`}
                                onClick={() => setOpen(open === t.id ? null : t.id)}>
                                {open === t.id ? 'Hide' : 'Show'}
                              </Button>
                            </TableCell>
                          </TableRow>
                          {open === t.id && (
                            <TableRow>
                              <TableCell colSpan={4}><TaskDetail id={t.id} answers={answers.get(t.id.toLowerCase()) ?? []} times={times} /></TableCell>
                            </TableRow>
                          )}
                        </Fragment>
                      ))}
                    </TableBody>
                  </Table>
                </TableContainer>
              )}
              <TablePagination
                component="div" count={total} page={page} rowsPerPage={size} rowsPerPageOptions={[25, 50, 100, 250]}
                onPageChange={(_, p) => setPage(p)} onRowsPerPageChange={(e) => { setSize(Number(e.target.value)); setPage(0); }}
              />
            </Paper>
          </>
        ) : null}
    </Page>
  );
}
