// InvoicePage.tsx — /my/invoices/:id: one invoice (GET /account/invoices/{id}),
// its lines and figures, and the printable version.
import type { ReactNode } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { Box, Card, CardContent, Link, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading, Page } from '../../components/common';
import { formatCpc, formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { InvoicePrint } from './InvoicePrint';
import { END_REASONS, msOf } from './rentalText';
import type { Amount, Invoice } from './types';

function Fig({ label, children }: { label: string; children: ReactNode }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row" sx={{ color: 'text.secondary', width: { xs: 110, sm: 200 } }}>{label}</TableCell>
      <TableCell sx={{ overflowWrap: 'anywhere' }}>{children}</TableCell>
    </TableRow>
  );
}

function money(v: Amount | undefined): string {
  return v === undefined ? '—' : formatCpc(v);
}

export default function InvoicePage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const inv = useApi(() => api.get<Invoice>(`/account/invoices/${encodeURIComponent(id)}`), [id]);
  const i = inv.data;
  return (
    <Page title={`Invoice`} actions={i && <InvoicePrint id={i.id} />}>
      <Link component={RouterLink} to="/my/invoices">← Invoices</Link>
      <ErrorAlert error={inv.error} onRetry={inv.reload} />
      {inv.loading && !i && <Loading />}
      {i && (
        <Stack spacing={2} sx={{ mt: 1 }}>
          <Card variant="outlined">
            <CardContent>
              <Typography variant="h6" component="h2" sx={{ overflowWrap: 'anywhere' }}>{i.id}</Typography>
              <Table size="small" aria-label="Invoice details">
                <TableBody>
                  <Fig label="Status">{i.status}{i.job_status ? ` (job ${i.job_status})` : ''}</Fig>
                  <Fig label="Date">{formatTime(msOf(i.created_at))}</Fig>
                  {i.kind === 'rental' && (
                    <>
                      <Fig label="Rental">{i.rental_id && <Link component={RouterLink} to={`/my/rentals/${i.rental_id}`}>{i.rental_id}</Link>}</Fig>
                      <Fig label="Server">{i.server?.gpu_count} × {i.server?.gpu_model} {i.server?.city || i.server?.country ? `in ${[i.server?.city, i.server?.country].filter(Boolean).join(', ')}` : ''}</Fig>
                      <Fig label="Image">{i.image}</Fig>
                      <Fig label="Opened">{formatTime(msOf(i.opened_at))}</Fig>
                      <Fig label="Ended">{formatTime(msOf(i.ended_at))}{i.end_reason ? ` (${END_REASONS[i.end_reason] ?? i.end_reason})` : ''}</Fig>
                      <Fig label="Time used">{i.minutes ?? 0} min ({i.hours ?? '0.00'} h)</Fig>
                      <Fig label="Price">{money(i.price_per_hour)} per hour + {((i.commission_bps ?? 0) / 100).toFixed(2)} % commission</Fig>
                    </>
                  )}
                  {i.kind === 'job' && (
                    <Fig label="Job">{i.job_id && <Link component={RouterLink} to={`/my/jobs/${i.job_id}`}>{i.job_id}</Link>} ({i.job_kind})</Fig>
                  )}
                </TableBody>
              </Table>
            </CardContent>
          </Card>
          <TableContainer component={Card} variant="outlined" sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="Invoice lines">
              <TableHead>
                <TableRow>
                  <TableCell>Item</TableCell>
                  <TableCell align="right">Quantity</TableCell>
                  <TableCell align="right">Unit price</TableCell>
                  <TableCell align="right">Amount</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {i.lines.length === 0 && <TableRow><TableCell colSpan={4}>No lines yet: nothing was charged.</TableCell></TableRow>}
                {i.lines.map((l) => (
                  <TableRow key={l.item}>
                    <TableCell>{l.description}</TableCell>
                    <TableCell align="right">{l.quantity} {l.unit}{l.quantity === 1 ? '' : 's'}</TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{money(l.unit_price)}</TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{money(l.amount)}</TableCell>
                  </TableRow>
                ))}
                <TableRow>
                  <TableCell colSpan={3} sx={{ fontWeight: 'bold' }}>Total charged</TableCell>
                  <TableCell align="right" sx={{ fontWeight: 'bold', whiteSpace: 'nowrap' }}>{money(i.total_charged)}</TableCell>
                </TableRow>
              </TableBody>
            </Table>
          </TableContainer>
          <Box>
            <Table size="small" aria-label="Escrow" sx={{ maxWidth: 520 }}>
              <TableBody>
                {i.kind === 'rental' ? <Fig label="Deposit">{money(i.deposit)}</Fig> : <Fig label="Escrowed">{money(i.escrowed)}</Fig>}
                <Fig label="Refunded">{money(i.refunded)}</Fig>
                <Fig label="Still in escrow">{money(i.escrow_left)}</Fig>
              </TableBody>
            </Table>
          </Box>
        </Stack>
      )}
    </Page>
  );
}
