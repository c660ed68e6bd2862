// AuditPage.tsx — /console/audit: the audit log, newest first, in pages of
// up to 200. The API has no filter, so the box filters the page on screen.
import { useState } from 'react';
import {
  MenuItem, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField,
} from '@mui/material';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { formatTime } from '../../../lib/format';
import { Empty, ErrorAlert, Loading, Page } from '../../../components/common';
import type { AuditAnswer, AuditEvent } from '../types';
import { Pager } from '../Pager';

export function matchesAudit(e: AuditEvent, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (!t) return true;
  return e.event.toLowerCase().includes(t) || (e.detail ?? '').toLowerCase().includes(t) || (e.user !== null && `#${e.user}` === t) || String(e.user) === t;
}

export default function AuditPage() {
  const { api } = useSession();
  const [limit, setLimit] = useState(50);
  const [offset, setOffset] = useState(0);
  const [filter, setFilter] = useState('');
  const log = useApi(() => api.get<AuditAnswer>('/admin/audit', { limit, offset }), [api, limit, offset]);
  const rows = log.data ? log.data.events.filter((e) => matchesAudit(e, filter)) : [];

  return (
    <Page title="Audit log">
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1.5} sx={{ mb: 2 }}>
        <TextField size="small" id="audit-filter" label="Filter this page (event, detail or user id)" value={filter} onChange={(e) => setFilter(e.target.value)} sx={{ minWidth: 300 }} />
        <TextField select size="small" id="audit-limit" label="Rows per page" value={limit} onChange={(e) => { setLimit(Number(e.target.value)); setOffset(0); }} sx={{ minWidth: 130 }}>
          {[50, 100, 200].map((n) => <MenuItem key={n} value={n}>{n}</MenuItem>)}
        </TextField>
      </Stack>
      <ErrorAlert error={log.error} onRetry={log.reload} />
      {log.loading && !log.data ? (
        <Loading />
      ) : log.data && rows.length === 0 ? (
        <Empty>{log.data.events.length ? 'No event on this page matches the filter.' : 'The audit log is empty.'}</Empty>
      ) : log.data ? (
        <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="Audit events">
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>User</TableCell>
                <TableCell>Event</TableCell>
                <TableCell>Detail</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((e) => (
                <TableRow key={e.id}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTime(e.ms)}</TableCell>
                  <TableCell>{e.user === null ? '—' : `#${e.user}`}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{e.event}</TableCell>
                  <TableCell sx={{ minWidth: 260, maxWidth: 560, wordBreak: 'break-word' }}>{e.detail ?? '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      {log.data && <Pager offset={offset} limit={limit} shown={log.data.events.length} onOffset={setOffset} label="audit events" />}
    </Page>
  );
}
