// RentalsPage.tsx — /my/rentals: the caller's rentals (GET /rentals), newest
// first, refetched on each block (SSE), never on a timer.
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { Button, Link, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { formatCpc, formatTime, shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from '../../lib/live';
import { msOf, provisioningText } from './rentalText';
import { RentalStatus } from './RentalStatus';
import type { RentalList } from './types';

const LIMIT = 20;

export default function RentalsPage() {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const offset = /^[0-9]{1,6}$/.test(params.get('offset') ?? '') ? Number(params.get('offset')) : 0;
  const list = useApi(() => api.get<RentalList>('/rentals', { limit: LIMIT, offset: offset || undefined }), [offset]);
  useBlockRefresh(list.reload, 10_000);
  const rows = list.data?.rentals ?? [];
  const page = (o: number) => setParams(o > 0 ? { offset: String(o) } : {});

  return (
    <Page title="My rentals" actions={<Button component={RouterLink} to="/gpus" variant="contained">Rent a GPU</Button>}>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && !rows.length ? (
        <Empty>{offset ? 'No more rentals.' : <>No rentals yet. <Link component={RouterLink} to="/gpus">Find a GPU</Link> to rent one.</>}</Empty>
      ) : (
        <TableContainer sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="My rentals">
            <TableHead>
              <TableRow>
                <TableCell>Rental</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Machine</TableCell>
                <TableCell>Image</TableCell>
                <TableCell>Ordered</TableCell>
                <TableCell>Funded until</TableCell>
                <TableCell align="right">Escrow left</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r) => (
                <TableRow key={r.id} hover>
                  <TableCell><Link component={RouterLink} to={`/my/rentals/${r.id}`} sx={{ fontFamily: 'monospace' }} aria-label={`Rental ${r.id}`}>{shortHash(r.id)}</Link></TableCell>
                  <TableCell><RentalStatus status={r.status} /></TableCell>
                  <TableCell>{provisioningText(r)}</TableCell>
                  <TableCell sx={{ maxWidth: 240, overflowWrap: 'anywhere' }}>{r.image}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTime(msOf(r.created_at))}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{r.status === 'open' ? formatTime(r.funded_until_ms) : '—'}</TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{r.escrow_left !== undefined ? formatCpc(r.escrow_left) : '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {(offset > 0 || rows.length === LIMIT) && (
        <Stack direction="row" spacing={1} sx={{ mt: 2 }} component="nav" aria-label="Rental pages">
          <Button disabled={offset === 0} onClick={() => page(Math.max(0, offset - LIMIT))}>Previous page</Button>
          <Button disabled={rows.length < LIMIT} onClick={() => page(offset + LIMIT)}>Next page</Button>
        </Stack>
      )}
    </Page>
  );
}
