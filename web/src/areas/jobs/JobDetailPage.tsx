// JobDetailPage.tsx — /my/jobs/:id (a draft id): the job's state, its tasks with
// their verification outcome (GET /market/job/{job_id}), the scheduler's view
// (…/resources), the on-chain log as text (…/logs), results to download, and
// cancel / extend (the node signs with the custodial wallet). Everything that
// changes with the chain refetches on each new block while the job runs.
import { useState, type FormEvent } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import {
  Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Link, Paper, Stack, Table, TableBody, TableCell,
  TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { useBlockRefresh } from '../../lib/live';
import { saveText } from '../../lib/download';
import { useSession } from '../../api/session';
import { useApi } from '../../lib/useApi';
import { formatCpc, formatTime, shortHash } from '../../lib/format';
import { useSubmit } from '../../components/form';
import { CopyButton, Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { jobState, QuoteTable, StateChip, TaskProgress } from './parts';
import { acceptedResults, logText, resultsFile, taskOutcome } from './jobView';
import type { Draft, JobLogs, JobResources, MarketJob } from './types';

const TASK_PAGE = 100;

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  const id = `sec-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Paper variant="outlined" component="section" aria-labelledby={id} sx={{ p: 2, mb: 2 }}>
      <Typography id={id} variant="h6" component="h2" gutterBottom>{title}</Typography>
      {children}
    </Paper>
  );
}

function ExtendDialog({ id, open, onClose, onDone }: { id: string; open: boolean; onClose: () => void; onDone: () => void }) {
  const { api } = useSession();
  const [blocks, setBlocks] = useState('100');
  const [tasks, setTasks] = useState('0');
  const s = useSubmit(['add_blocks', 'add_tasks'], 'extend');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    s.clear();
    const b = /^[0-9]+$/.test(blocks.trim()) ? Number(blocks) : NaN;
    const t = /^[0-9]+$/.test(tasks.trim()) ? Number(tasks) : NaN;
    if (!Number.isSafeInteger(b)) return s.setFieldError('add_blocks', 'a whole number of blocks');
    if (!Number.isSafeInteger(t)) return s.setFieldError('add_tasks', 'a whole number of tasks');
    if (b === 0 && t === 0) return s.setFieldError('add_blocks', 'add blocks, tasks or both');
    const ok = await s.run(() => api.post(`/marketplace/jobs/${encodeURIComponent(id)}/extend`, { add_blocks: b, add_tasks: t }));
    if (ok !== undefined) onDone();
  };
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="extend-title">
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle id="extend-title">Extend the job</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <TextField {...s.fieldProps('add_blocks', 'moves the deadline')} label="Blocks to add" value={blocks}
              onChange={(e) => setBlocks(e.target.value)} slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
            <TextField {...s.fieldProps('add_tasks', 'each escrows its reward plus 10% from your wallet')} label="Tasks to add" value={tasks}
              onChange={(e) => setTasks(e.target.value)} slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
            <ErrorAlert error={s.formError} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="contained" disabled={s.busy}>Extend</Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}

export default function JobDetailPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const path = `/marketplace/jobs/${encodeURIComponent(id)}`;
  const draft = useApi(() => api.get<Draft>(path), [api, path]);
  const d = draft.data;
  const jobId = d?.job_id && d.job ? d.job_id : null;
  const [taskOffset, setTaskOffset] = useState(0);
  const market = useApi(
    () => (jobId ? api.get<MarketJob>(`/market/job/${jobId}`, { offset: taskOffset, limit: TASK_PAGE }) : null),
    [api, jobId, taskOffset],
  );
  const resources = useApi(() => (d && d.status !== 'draft' ? api.get<JobResources>(`${path}/resources`) : null), [api, path, d?.status]);
  const logs = useApi(() => (d && d.status !== 'draft' ? api.get<JobLogs>(`${path}/logs`) : null), [api, path, d?.status]);
  const [extendOpen, setExtendOpen] = useState(false);
  const [cancelOpen, setCancelOpen] = useState(false);
  const act = useSubmit([]);

  const live = !d || d.status === 'draft' ? false : !d.job_status || d.job_status === 'active' || d.tx?.status === 'pending';
  useBlockRefresh(() => {
    if (!live) return;
    draft.reload();
    if (jobId) market.reload();
    resources.reload();
    logs.reload();
  }, 5000);

  const reloadAll = () => {
    draft.reload();
    market.reload();
    resources.reload();
    logs.reload();
  };
  const cancel = () =>
    act.run(async () => {
      setCancelOpen(false);
      await api.post(`${path}/cancel`, {});
      reloadAll();
    });
  const confirm = () =>
    act.run(async () => {
      await api.post(`${path}/confirm`, {});
      reloadAll();
    });

  if (draft.loading && !d) return <Page title="Job"><Loading /></Page>;
  if (!d) return <Page title="Job"><ErrorAlert error={draft.error} onRetry={draft.reload} /></Page>;

  const st = jobState(d.status, d);
  const canCancel = d.status === 'draft' || (d.status === 'confirmed' && d.job_status === 'active');
  const canExtend = d.status === 'confirmed' && d.job_status === 'active';
  const m = market.data;
  const res = resources.data;
  const logged = acceptedResults(logs.data);

  return (
    <Page
      title={`Job ${shortHash(d.id, 8, 4)}`}
      actions={
        <>
          {d.status === 'draft' && <Button variant="contained" onClick={confirm} disabled={act.busy}>Confirm and pay</Button>}
          {canExtend && <Button onClick={() => setExtendOpen(true)}>Extend</Button>}
          {canCancel && <Button color="error" onClick={d.status === 'draft' ? cancel : () => setCancelOpen(true)} disabled={act.busy}>{d.status === 'draft' ? 'Cancel draft' : 'Cancel job'}</Button>}
        </>
      }
    >
      <ErrorAlert error={act.formError} />
      <ErrorAlert error={draft.error} onRetry={draft.reload} />
      <Section title="Summary">
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={3} sx={{ alignItems: { sm: 'center' }, mb: 1 }}>
          <StateChip {...st} />
          {d.tasks !== undefined && d.tasks_done !== undefined && <TaskProgress done={d.tasks_done} total={d.tasks} />}
        </Stack>
        <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: { xs: 'minmax(0, 1fr)', sm: 'max-content minmax(0, 1fr)' }, columnGap: 2, m: 0, '& dd': { m: 0, mb: 1, wordBreak: 'break-all' }, '& dt': { color: 'text.secondary' } }}>
          <dt>Draft</dt><dd>{d.id} <CopyButton text={d.id} label="Copy the draft id" /></dd>
          {d.job_id && (<><dt>Job id</dt><dd>{d.job_id} <CopyButton text={d.job_id} label="Copy the job id" /></dd></>)}
          <dt>Kind</dt><dd>{d.contract?.kind ?? '—'}</dd>
          <dt>Owner</dt><dd>{d.owner ?? '—'}</dd>
          <dt>Created</dt><dd>{formatTime(d.created_at * 1000)}</dd>
          {d.tx && (<><dt>Create tx</dt><dd>{d.tx.status}{d.tx.height ? ` at block ${d.tx.height}` : ''}{d.tx.error ? ` — ${d.tx.error}` : ''}</dd></>)}
          {d.job && (<><dt>Blocks</dt><dd>created at {d.job.created_height}, deadline {d.job.deadline_height}</dd></>)}
          {d.escrow_balance !== undefined && (<><dt>Escrow left</dt><dd>{formatCpc(d.escrow_balance)}</dd></>)}
          {d.job?.money && (<><dt>Paid to workers</dt><dd>{formatCpc(d.job.money.paid)} for {d.job.money.results_paid} results; refund {formatCpc(d.job.money.refund)}</dd></>)}
        </Box>
      </Section>

      {d.status === 'draft' && d.quote && (
        <Section title="Quote"><QuoteTable quote={d.quote} /></Section>
      )}

      {jobId && (
        <Section title="Tasks">
          <ErrorAlert error={market.error} onRetry={market.reload} />
          {!m && market.loading ? <Loading label="Loading tasks…" /> : m && m.tasks.length === 0 ? <Empty>No tasks.</Empty> : m && (
            <>
              <Typography variant="body2" sx={{ mb: 1 }}>
                open {m.task_counts.open} · committed {m.task_counts.committed} · done {m.task_counts.done} · closed {m.task_counts.closed}
                {m.contract.tasks > TASK_PAGE ? ` (tasks ${taskOffset}–${Math.min(taskOffset + TASK_PAGE, m.contract.tasks) - 1} of ${m.contract.tasks})` : ''}
              </Typography>
              <Box sx={{ overflowX: 'auto', maxHeight: 480 }}>
                <Table size="small" stickyHeader aria-label="Tasks">
                  <TableHead>
                    <TableRow>
                      <TableCell>#</TableCell>
                      <TableCell>Status</TableCell>
                      <TableCell>Attempts</TableCell>
                      <TableCell>Verification</TableCell>
                      <TableCell>Result</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {m.tasks.map((t) => {
                      const o = taskOutcome(t, logged.get(t.id));
                      return (
                        <TableRow key={t.id}>
                          <TableCell>{t.index}</TableCell>
                          <TableCell>{t.status}</TableCell>
                          <TableCell>{t.attempts}</TableCell>
                          <TableCell>{o.verdict}</TableCell>
                          <TableCell sx={{ fontFamily: 'monospace', wordBreak: 'break-all', minWidth: 160 }}>
                            {o.result ? (
                              <>
                                {shortHash(o.result, 12, 8)} <CopyButton text={o.result} label={`Copy the result of task ${t.index}`} />
                                {o.result.length === 64 && m.contract.kind === 'exec' && (
                                  <Link href={`/blobs/${o.result}`} download={`task-${t.index}-${o.result.slice(0, 12)}.bin`}>output blob</Link>
                                )}
                              </>
                            ) : '—'}
                          </TableCell>
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </Box>
              <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mt: 1 }}>
                {m.contract.tasks > TASK_PAGE && (
                  <>
                    <Button disabled={taskOffset === 0} onClick={() => setTaskOffset(Math.max(0, taskOffset - TASK_PAGE))}>Previous tasks</Button>
                    <Button disabled={taskOffset + TASK_PAGE >= m.contract.tasks} onClick={() => setTaskOffset(taskOffset + TASK_PAGE)}>Next tasks</Button>
                  </>
                )}
                <Button onClick={() => saveText(`job-${m.id.slice(0, 12)}-results.json`, resultsFile(m, logged), 'application/json')}>Download results (JSON)</Button>
              </Stack>
            </>
          )}
        </Section>
      )}

      {d.status !== 'draft' && (
        <Section title="Workers">
          <ErrorAlert error={resources.error} onRetry={resources.reload} />
          {!res && resources.loading ? <Loading /> : res && res.workers.length === 0 ? (
            <Empty>{res.scheduled ? 'No worker holds a task of this job right now.' : 'The scheduler has nothing of this job in hand (not started, or ended).'}</Empty>
          ) : res && (
            <Box sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-label="Workers on this job">
                <TableHead>
                  <TableRow><TableCell>Worker</TableCell><TableCell>Online</TableCell><TableCell>Score</TableCell><TableCell>Tasks leased</TableCell></TableRow>
                </TableHead>
                <TableBody>
                  {res.workers.map((w) => (
                    <TableRow key={w.address}>
                      <TableCell sx={{ fontFamily: 'monospace' }}>{shortHash(w.address)}</TableCell>
                      <TableCell>{w.online ? 'yes' : 'no'}</TableCell>
                      <TableCell>{w.score}</TableCell>
                      <TableCell>{w.tasks.map((t) => `#${t.index}${typeof t.progress === 'number' ? ` (${Math.round(t.progress * 100)} %)` : ''}`).join(', ') || '—'}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          )}
        </Section>
      )}

      {d.status !== 'draft' && (
        <Section title="Log">
          <ErrorAlert error={logs.error} onRetry={logs.reload} />
          {!logs.data && logs.loading ? <Loading /> : logs.data && (
            <>
              <Box component="pre" tabIndex={0} aria-label="Job log" sx={{ m: 0, p: 1, bgcolor: 'action.hover', borderRadius: 1, overflow: 'auto', maxHeight: 360, fontSize: 12 }}>
                {logText(logs.data)}
              </Box>
              <Button sx={{ mt: 1 }} onClick={() => logs.data && saveText(`job-${id.slice(0, 8)}-log.txt`, logText(logs.data), 'text/plain')}>Download the log</Button>
            </>
          )}
        </Section>
      )}

      <Button component={RouterLink} to="/my/jobs">Back to my jobs</Button>
      <Dialog open={cancelOpen} onClose={() => setCancelOpen(false)} aria-labelledby="cancel-title">
        <DialogTitle id="cancel-title">Cancel this job?</DialogTitle>
        <DialogContent>
          <Typography variant="body2">
            Open tasks close and what is left in escrow goes back to your wallet. Results already paid stay paid.
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setCancelOpen(false)}>Keep the job</Button>
          <Button color="error" variant="contained" onClick={cancel} disabled={act.busy}>Cancel the job</Button>
        </DialogActions>
      </Dialog>
      {extendOpen && (
        <ExtendDialog id={d.id} open={extendOpen} onClose={() => setExtendOpen(false)} onDone={() => { setExtendOpen(false); reloadAll(); }} />
      )}
    </Page>
  );
}
