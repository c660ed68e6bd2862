// InvoicesPage.tsx — /my/invoices: the caller's invoices (GET /account/invoices),
// rentals and jobs, newest first; ?kind= and ?offset= in the URL.
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { Button, Link, MenuItem, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { formatCpc, formatTime, shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from '../../lib/live';
import { msOf } from './rentalText';
import type { InvoiceList } from './types';

const LIMIT = 20;
const KINDS = ['rental', 'job'] as const;

export default function InvoicesPage() {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const kind = (KINDS as readonly string[]).includes(params.get('kind') ?? '') ? (params.get('kind') as string) : '';
  const offset = /^[0-9]{1,4}$/.test(params.get('offset') ?? '') ? Number(params.get('offset')) : 0;
  const list = useApi(() => api.get<InvoiceList>('/account/invoices', { kind: kind || undefined, limit: LIMIT, offset: offset || undefined }), [kind, offset]);
  useBlockRefresh(list.reload, 15_000);
  const rows = list.data?.invoices ?? [];
  const go = (k: string, o: number) => {
    const p: Record<string, string> = {};
    if (k) p.kind = k;
    if (o > 0) p.offset = String(o);
    setParams(p);
  };

  return (
    <Page title="Invoices">
      <TextField select size="small" id="invoice-kind" label="Show" value={kind} onChange={(e) => go(e.target.value, 0)} sx={{ mb: 2, minWidth: 180 }}>
        <MenuItem value="">All invoices</MenuItem>
        <MenuItem value="rental">GPU rentals</MenuItem>
        <MenuItem value="job">Jobs</MenuItem>
      </TextField>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : list.data && !rows.length ? (
        <Empty>{offset ? 'No more invoices.' : 'No invoices yet: each rental and job gets one.'}</Empty>
      ) : (
        <TableContainer sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="Invoices">
            <TableHead>
              <TableRow>
                <TableCell>Invoice</TableCell>
                <TableCell>Kind</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Date</TableCell>
                <TableCell>What</TableCell>
                <TableCell align="right">Charged</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((i) => (
                <TableRow key={i.id} hover>
                  <TableCell><Link component={RouterLink} to={`/my/invoices/${i.id}`} sx={{ fontFamily: 'monospace' }} aria-label={`Invoice ${i.id}`}>{shortHash(i.id, 14, 6)}</Link></TableCell>
                  <TableCell>{i.kind}</TableCell>
                  <TableCell>{i.status}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTime(msOf(i.created_at))}</TableCell>
                  <TableCell>
                    {i.kind === 'rental'
                      ? `${i.server?.gpu_count ?? ''} × ${i.server?.gpu_model ?? 'GPU'}, ${i.minutes ?? 0} min`
                      : `${i.job_kind ?? 'job'} (${i.job_status ?? ''})`}
                  </TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{formatCpc(i.total_charged ?? 0)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {(offset > 0 || rows.length === LIMIT) && (
        <Stack direction="row" spacing={1} sx={{ mt: 2 }} component="nav" aria-label="Invoice pages">
          <Button disabled={offset === 0} onClick={() => go(kind, Math.max(0, offset - LIMIT))}>Previous page</Button>
          <Button disabled={rows.length < LIMIT} onClick={() => go(kind, offset + LIMIT)}>Next page</Button>
        </Stack>
      )}
    </Page>
  );
}
