// WorkersPage.tsx — /explorer/workers: the registered workers ranked by
// reputation, accepted results or locked stake (GET /market/workers), a page
// at a time, each linked to its account page.
import { useState } from 'react';
import {
  FormControl, InputLabel, MenuItem, Paper, Select, Table, TableBody, TableCell, TableContainer, TableHead,
  TablePagination, TableRow,
} from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page, StatusDot } from '../../components/common';
import { formatAgo, formatPercent, formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { AddressLink } from './links';
import { cpc } from './money';
import type { WorkerSort, WorkersPage as WorkersAnswer } from './types';

const SORTS: { value: WorkerSort; label: string }[] = [
  { value: 'reputation', label: 'Reputation' },
  { value: 'tasks', label: 'Accepted results' },
  { value: 'stake', label: 'Locked stake' },
];

export default function WorkersPage() {
  const { api } = useSession();
  const [sort, setSort] = useState<WorkerSort>('reputation');
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(50);
  const list = useApi(() => api.get<WorkersAnswer>('/market/workers', { sort, limit: size, offset: page * size }), [api, sort, page, size]);
  const d = list.data;
  const now = Date.now();
  return (
    <Page title="Workers" actions={
      <FormControl size="small" sx={{ minWidth: 200 }}>
        <InputLabel id="workers-sort-label">Rank by</InputLabel>
        <Select labelId="workers-sort-label" label="Rank by" value={sort}
          onChange={(e) => { setSort(e.target.value as WorkerSort); setPage(0); }}>
          {SORTS.map((s) => <MenuItem key={s.value} value={s.value}>{s.label}</MenuItem>)}
        </Select>
      </FormControl>
    }>
      <Paper variant="outlined">
        {list.error ? <ErrorAlert error={list.error} onRetry={list.reload} />
          : !d && list.loading ? <Loading label="Loading workers…" />
          : !d || d.workers.length === 0 ? <Empty>{d && d.total > 0 ? 'No workers on this page.' : 'No worker has registered yet (WORKER_REGISTER).'}</Empty>
          : (
            <TableContainer sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-label={`Workers ranked by ${SORTS.find((s) => s.value === sort)?.label.toLowerCase()}`}>
                <TableHead>
                  <TableRow>
                    <TableCell>Rank</TableCell><TableCell>Worker</TableCell><TableCell align="right">Reputation</TableCell>
                    <TableCell align="right">Accepted</TableCell><TableCell align="right">Rejected</TableCell><TableCell align="right">Timed out</TableCell>
                    <TableCell align="right">Locked stake</TableCell><TableCell>Status</TableCell><TableCell>Last seen</TableCell><TableCell>Machine</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {d.workers.map((w, i) => (
                    <TableRow key={w.address}>
                      <TableCell>{d.offset + i + 1}</TableCell>
                      <TableCell><AddressLink address={w.address} /></TableCell>
                      <TableCell align="right">{formatPercent(w.score / 1000)}</TableCell>
                      <TableCell align="right">{w.accepted.toLocaleString('en-US')}</TableCell>
                      <TableCell align="right">{w.rejected.toLocaleString('en-US')}</TableCell>
                      <TableCell align="right">{w.timed_out.toLocaleString('en-US')}</TableCell>
                      <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{cpc(w.locked)}</TableCell>
                      <TableCell><StatusDot status={w.status} /></TableCell>
                      <TableCell title={w.last_seen_ms ? formatTime(w.last_seen_ms) : undefined} sx={{ whiteSpace: 'nowrap' }}>
                        {w.last_seen_ms ? formatAgo(w.last_seen_ms, now) : 'not since the node started'}
                      </TableCell>
                      <TableCell sx={{ whiteSpace: 'nowrap' }}>
                        {w.cpu_cores} cores{w.gpu_count ? `, ${w.gpu_count} × ${w.gpu_model || 'GPU'}` : ''}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        {d && d.total > 0 && (
          <TablePagination component="div" count={d.total} page={page} rowsPerPage={size} rowsPerPageOptions={[25, 50, 100]}
            onPageChange={(_, p) => setPage(p)} onRowsPerPageChange={(e) => { setSize(Number(e.target.value)); setPage(0); }} />
        )}
      </Paper>
    </Page>
  );
}
