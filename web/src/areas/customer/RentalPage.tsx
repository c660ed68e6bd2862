// RentalPage.tsx — /my/rentals/:id: one rental — its state, money, connection
// details, actions, log and load. Refetched on each block (SSE), never on a timer.
import { lazy, Suspense, useState } from 'react';
import { Link as RouterLink, useLocation, useParams } from 'react-router-dom';
import { Alert, Box, Card, CardContent, Link, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading, Page } from '../../components/common';
import { formatCpc, formatTime, shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { ConnectionCard } from './ConnectionCard';
import { RentalActions } from './RentalActions';
import { RentalLogs } from './RentalLogs';
import { RentalStatus } from './RentalStatus';
import { useBlockRefresh } from '../../lib/live';
import { END_REASONS, msOf, provisioningText } from './rentalText';
import type { Rental, RentalOrder } from './types';

// the chart library is large: load it after the rental's details
const RentalStatsChart = lazy(() => import('./RentalStatsChart').then((m) => ({ default: m.RentalStatsChart })));

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row" sx={{ width: { xs: 110, sm: 180 }, color: 'text.secondary' }}>{label}</TableCell>
      <TableCell sx={{ overflowWrap: 'anywhere' }}>{children}</TableCell>
    </TableRow>
  );
}

function Figures({ r }: { r: Rental }) {
  return (
    <Table size="small" aria-label="Rental details">
      <TableBody>
        <Row label="Status">
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
            <RentalStatus status={r.status} />
            {r.end_reason && <Typography variant="body2">({END_REASONS[r.end_reason] ?? r.end_reason})</Typography>}
          </Stack>
        </Row>
        <Row label="Machine">{provisioningText(r)}</Row>
        <Row label="Image">{r.image}</Row>
        <Row label="Ordered">{formatTime(msOf(r.created_at))} for {r.hours} h</Row>
        {r.opened_at && <Row label="Opened">{formatTime(msOf(r.opened_at))}</Row>}
        {r.status === 'open' && r.funded_until_ms !== undefined && <Row label="Funded until">{formatTime(r.funded_until_ms)}</Row>}
        {r.ended_at && <Row label="Ended">{formatTime(msOf(r.ended_at))}</Row>}
        {r.rate_per_minute !== undefined && (
          <Row label="Price">{formatCpc(r.rate_per_minute)} + {formatCpc(r.commission_per_minute ?? 0)} commission per minute</Row>
        )}
        {r.deposit !== undefined && <Row label="Deposit">{formatCpc(r.deposit)}</Row>}
        {r.minutes_paid !== undefined && (
          <Row label="Paid so far">
            {r.minutes_paid} min: {formatCpc(r.paid_to_provider ?? 0)} to the provider, {formatCpc(r.commission_paid ?? 0)} commission
          </Row>
        )}
        {r.escrow_left !== undefined && <Row label="Escrow left">{formatCpc(r.escrow_left)}</Row>}
        <Row label="Server"><Link component={RouterLink} to={`/gpus/${r.server_id}`}>{r.server_id}</Link></Row>
        <Row label="Rental id">{r.id}</Row>
      </TableBody>
    </Table>
  );
}

export default function RentalPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const loc = useLocation();
  const order = (loc.state as { order?: RentalOrder } | null)?.order;
  const [version, setVersion] = useState(0);
  const rental = useApi(() => api.get<Rental>(`/rentals/${encodeURIComponent(id)}`), [id, version]);
  useBlockRefresh(rental.reload, 5_000);
  const r = rental.data;
  const live = r && (r.status === 'open' || r.status === 'pending');

  return (
    <Page title={`Rental ${shortHash(id, 8, 4)}`}>
      <Link component={RouterLink} to="/my/rentals">← My rentals</Link>
      {order && order.id === id && r?.status === 'pending' && (
        <Alert severity="info" sx={{ mt: 1 }}>
          Ordered: {formatCpc(order.deposit)} held for {order.minutes_covered} minutes
          {order.minutes_covered < order.hours * 60 ? ` (your balance covered less than the ${order.hours} h asked)` : ''}.
          The rental opens when the next block includes it.
        </Alert>
      )}
      <ErrorAlert error={rental.error} onRetry={rental.reload} />
      {rental.loading && !r && <Loading />}
      {r && (
        <Stack spacing={2} sx={{ mt: 1 }}>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'repeat(2, minmax(0, 1fr))' }, alignItems: 'start' }}>
            <Card variant="outlined" component="section" aria-labelledby="rental-title">
              <CardContent>
                <Typography id="rental-title" variant="h6" component="h2" gutterBottom>Details</Typography>
                <Figures r={r} />
                <Box sx={{ mt: 2 }}>
                  <RentalActions rental={r} onChanged={() => setVersion((v) => v + 1)} />
                </Box>
              </CardContent>
            </Card>
            {live ? <ConnectionCard id={r.id} version={r.status} /> : (
              <Alert severity="info">This rental has {r.status === 'failed' ? 'failed: it never opened and nothing was paid' : 'ended'}; there is nothing to connect to.</Alert>
            )}
          </Box>
          <RentalLogs id={r.id} version={String(version)} />
          <Suspense fallback={<Loading label="Loading the chart…" />}>
            <RentalStatsChart id={r.id} version={String(version)} />
          </Suspense>
        </Stack>
      )}
    </Page>
  );
}
