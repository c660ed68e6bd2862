// MyJobsPage.tsx — /my/jobs: the signed-in customer's jobs (their drafts, newest
// first: GET /marketplace/jobs?owner=…) with status and progress. A confirmed
// job's row reads its draft view for the chain's side; rows of jobs still
// running refetch on each new block (SSE), never on a timer.
import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Box, Button, Link, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { useApi } from '../../lib/useApi';
import { useEvents } from '../../lib/sse';
import { formatCpc, formatTime, shortHash } from '../../lib/format';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { jobState, StateChip, TaskProgress, useWallet } from './parts';
import type { Draft, DraftList, DraftListItem } from './types';

const PAGE = 20;

function running(d: Draft | undefined): boolean {
  if (!d) return true;
  if (d.status === 'draft') return false;
  if (d.status === 'cancelled' && !d.job_status) return false;
  return !d.job_status || d.job_status === 'active' || d.tx?.status === 'pending';
}

function JobRow({ item }: { item: DraftListItem }) {
  const { api } = useSession();
  const onChain = item.status !== 'draft' && !!item.job_id;
  const detail = useApi(() => (onChain ? api.get<Draft>(`/marketplace/jobs/${encodeURIComponent(item.id)}`) : null), [api, item.id, onChain]);
  useEvents(['block'], () => {
    if (onChain && running(detail.data)) detail.reload();
  });
  const d = detail.data;
  const st = jobState(item.status, d);
  return (
    <TableRow hover>
      <TableCell>
        <Link component={RouterLink} to={`/my/jobs/${encodeURIComponent(item.id)}`} aria-label={`Job ${item.id}`}>
          {shortHash(item.id, 8, 4)}
        </Link>
      </TableCell>
      <TableCell>{d?.contract?.kind ?? item.job_type ?? '—'}</TableCell>
      <TableCell><StateChip {...st} /></TableCell>
      <TableCell>
        {d?.tasks !== undefined && d.tasks_done !== undefined ? (
          <TaskProgress done={d.tasks_done} total={d.tasks} label={`Progress of job ${item.id}`} />
        ) : detail.error ? (
          <Typography variant="caption" color="error">{detail.error.message}</Typography>
        ) : (
          '—'
        )}
      </TableCell>
      <TableCell align="right">{item.total !== null && item.total !== undefined ? formatCpc(item.total) : '—'}</TableCell>
      <TableCell>{formatTime(item.created_at * 1000)}</TableCell>
    </TableRow>
  );
}

export default function MyJobsPage() {
  const { api } = useSession();
  const wallet = useWallet();
  const [offset, setOffset] = useState(0);
  const owner = wallet.data?.address;
  const list = useApi(
    () => (owner ? api.get<DraftList>('/marketplace/jobs', { owner, limit: PAGE, offset }) : null),
    [api, owner, offset],
  );
  // a new block may confirm a draft or end a job: the list's statuses follow
  useEvents(['block'], () => {
    if (owner) list.reload();
  });
  const jobs = list.data?.jobs ?? [];
  return (
    <Page
      title="My jobs"
      actions={
        <>
          <Button component={RouterLink} to="/my/jobs/new" variant="contained">New job</Button>
          <Button component={RouterLink} to="/vanity">Vanity address</Button>
        </>
      }
    >
      <ErrorAlert error={wallet.error} onRetry={wallet.reload} />
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {(wallet.loading && !wallet.data) || (list.loading && !list.data) ? (
        <Loading label="Loading your jobs…" />
      ) : list.data && jobs.length === 0 && offset === 0 ? (
        <Empty>
          You have no jobs yet. <Link component={RouterLink} to="/my/jobs/new">Create one</Link>: you see its price before
          anything is paid.
        </Empty>
      ) : list.data ? (
        <>
          <Box sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="My jobs">
              <TableHead>
                <TableRow>
                  <TableCell>Job</TableCell>
                  <TableCell>Kind</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Progress</TableCell>
                  <TableCell align="right">Total</TableCell>
                  <TableCell>Created</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {jobs.map((j) => (
                  <JobRow key={j.id} item={j} />
                ))}
              </TableBody>
            </Table>
          </Box>
          <Stack direction="row" spacing={1} sx={{ mt: 1, alignItems: 'center' }}>
            <Button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Newer</Button>
            <Typography variant="body2">{offset + 1}–{offset + jobs.length}</Typography>
            <Button disabled={jobs.length < PAGE} onClick={() => setOffset(offset + PAGE)}>Older</Button>
          </Stack>
        </>
      ) : null}
    </Page>
  );
}
