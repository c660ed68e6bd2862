// JobsPage.tsx — /explorer/jobs: the jobs with open tasks in the scheduler's
// queue (GET /marketplace/queue, its first 500 open tasks grouped by job).
// The API lists no finished jobs; their pages are reached from their txs.
import { Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { useApi } from '../../lib/useApi';
import { BlockLink, JobLink } from './links';
import { cpc } from './money';
import { jobsOfQueue } from './queueJobs';
import type { Queue } from './types';

const QUEUE_WINDOW = 500;

export default function JobsPage() {
  const { api } = useSession();
  const q = useApi(() => api.get<Queue>('/marketplace/queue', { limit: QUEUE_WINDOW }), [api]);
  const jobs = q.data ? jobsOfQueue(q.data.tasks) : [];
  return (
    <Page title="Jobs in the queue">
      <Paper variant="outlined">
        {q.error ? <ErrorAlert error={q.error} onRetry={q.reload} />
          : q.loading && !q.data ? <Loading label="Loading the queue…" />
          : jobs.length === 0 ? <Empty>No job has open tasks right now.</Empty>
          : (
            <TableContainer sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-label="Jobs with open tasks">
                <TableHead>
                  <TableRow>
                    <TableCell>Job</TableCell><TableCell>Kind</TableCell><TableCell>Priority</TableCell><TableCell align="right">Reward per task</TableCell>
                    <TableCell align="right">Open tasks{q.data?.truncated || (q.data && q.data.count >= QUEUE_WINDOW) ? ' (in the first 500)' : ''}</TableCell>
                    <TableCell align="right">Leased</TableCell><TableCell>Created at block</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {jobs.map((j) => (
                    <TableRow key={j.job_id}>
                      <TableCell><JobLink id={j.job_id} /></TableCell>
                      <TableCell>{j.kind}</TableCell>
                      <TableCell>{j.priority}</TableCell>
                      <TableCell align="right">{cpc(j.reward)}</TableCell>
                      <TableCell align="right">{j.open}</TableCell>
                      <TableCell align="right">{j.leased}</TableCell>
                      <TableCell><BlockLink height={j.created_height} /></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
      </Paper>
    </Page>
  );
}
