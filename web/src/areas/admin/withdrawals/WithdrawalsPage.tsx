// WithdrawalsPage.tsx — /console/withdrawals: the payout queue. Approve sends
// the custodial transfer (its tx hash links to the explorer); reject asks for
// the reason the user will read. Both go through a confirm dialog.
import { useState } from 'react';
import {
  Alert, Button, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow,
  TextField, ToggleButton, ToggleButtonGroup, Typography,
} from '@mui/material';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { useBlockRefresh } from '../../../lib/live';
import { formatTime } from '../../../lib/format';
import { useSubmit } from '../../../components/form';
import { Empty, ErrorAlert, Loading, Page, StatusDot } from '../../../components/common';
import type { Withdrawal, WithdrawalsAnswer, WithdrawalStatus } from '../types';
import { Pager } from '../Pager';
import { ConfirmDialog } from '../ConfirmDialog';
import { TxLink } from '../TxLink';
import { cpcText } from '../money';
import { queueRows, reasonError } from './queue';

const LIMIT = 50;
type Decision = { kind: 'approve' | 'reject'; w: Withdrawal };

export default function WithdrawalsPage() {
  const { api } = useSession();
  const [view, setView] = useState<WithdrawalStatus>('pending');
  const [offset, setOffset] = useState(0);
  const [decided, setDecided] = useState<Map<string, Withdrawal>>(new Map());
  const [acting, setActing] = useState<Decision | null>(null);
  const [reason, setReason] = useState('');
  const submit = useSubmit(['reason'], 'reject');
  const list = useApi(() => api.get<WithdrawalsAnswer>('/admin/withdrawals', { status: view, limit: LIMIT, offset }), [api, view, offset]);
  useBlockRefresh(list.reload);

  const open = (d: Decision) => {
    submit.clear();
    setReason('');
    setActing(d);
  };
  const decide = async () => {
    if (!acting) return;
    const { kind, w } = acting;
    if (kind === 'reject') {
      const bad = reasonError(reason);
      if (bad) return submit.setFieldError('reason', bad);
    }
    const done = await submit.run(() =>
      kind === 'approve'
        ? api.post<Withdrawal>(`/admin/withdrawals/${encodeURIComponent(w.id)}/approve`)
        : api.post<Withdrawal>(`/admin/withdrawals/${encodeURIComponent(w.id)}/reject`, { reason: reason.trim() }),
    );
    if (done) {
      setDecided((m) => new Map(m).set(done.id, done));
      setActing(null);
    }
  };

  const rows = list.data ? queueRows(list.data.withdrawals, decided, view) : [];
  const failedPayouts = [...decided.values()].filter((w) => w.payout?.status === 'failed');

  return (
    <Page title="Withdrawals">
      <ToggleButtonGroup
        exclusive
        size="small"
        value={view}
        onChange={(_, v: WithdrawalStatus | null) => {
          if (v) {
            setView(v);
            setOffset(0);
          }
        }}
        aria-label="Which withdrawals"
        sx={{ mb: 2 }}
      >
        <ToggleButton value="pending">Pending</ToggleButton>
        <ToggleButton value="approved">Approved</ToggleButton>
        <ToggleButton value="rejected">Rejected</ToggleButton>
      </ToggleButtonGroup>
      {failedPayouts.map((w) => (
        <Alert key={w.id} severity="warning" sx={{ mb: 1 }}>
          Withdrawal {w.id} was approved and its transfer sent, but the payout provider ({w.payout?.provider}) failed: pay it out by hand.
        </Alert>
      ))}
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && rows.length === 0 ? (
        <Empty>{view === 'pending' ? 'No withdrawals waiting for a decision.' : `No ${view} withdrawals.`}</Empty>
      ) : list.data ? (
        <>
          <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label={`${view} withdrawals`}>
              <TableHead>
                <TableRow>
                  <TableCell>Requested</TableCell>
                  <TableCell>User</TableCell>
                  <TableCell align="right">Amount</TableCell>
                  <TableCell>Method</TableCell>
                  <TableCell>Destination</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Transaction / reason</TableCell>
                  <TableCell>Action</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map((w) => (
                  <TableRow key={w.id} data-withdrawal={w.id}>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTime(w.created_ms)}</TableCell>
                    <TableCell>#{w.user_id}</TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{cpcText(w.amount, w.amount_cpc)}</TableCell>
                    <TableCell>{w.method}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace', wordBreak: 'break-all', minWidth: 160 }}>{w.destination}</TableCell>
                    <TableCell><StatusDot status={w.status} /></TableCell>
                    <TableCell>
                      {w.tx_hash ? <TxLink hash={w.tx_hash} /> : w.reason ? <Typography variant="body2">{w.reason}</Typography> : '—'}
                      {w.decided_ms ? <Typography variant="caption" component="div" sx={{ color: 'text.secondary' }}>{formatTime(w.decided_ms)}</Typography> : null}
                    </TableCell>
                    <TableCell>
                      {w.status === 'pending' ? (
                        <Stack direction="row" spacing={1}>
                          <Button size="small" variant="contained" onClick={() => open({ kind: 'approve', w })}>Approve</Button>
                          <Button size="small" color="error" onClick={() => open({ kind: 'reject', w })}>Reject</Button>
                        </Stack>
                      ) : (
                        '—'
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          <Pager offset={offset} limit={LIMIT} shown={list.data.withdrawals.length} onOffset={setOffset} label="withdrawals" />
        </>
      ) : null}

      <ConfirmDialog
        open={!!acting}
        title={acting?.kind === 'approve' ? 'Approve this withdrawal?' : 'Reject this withdrawal?'}
        confirm={acting?.kind === 'approve' ? 'Approve and send' : 'Reject'}
        danger={acting?.kind === 'reject'}
        busy={submit.busy}
        error={submit.formError}
        onConfirm={() => void decide()}
        onClose={() => setActing(null)}
      >
        {acting && (
          <Stack spacing={2}>
            <Typography>
              {cpcText(acting.w.amount, acting.w.amount_cpc)} for user #{acting.w.user_id} by {acting.w.method} to{' '}
              <Typography component="span" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>{acting.w.destination}</Typography>.
            </Typography>
            {acting.kind === 'approve' ? (
              <Typography variant="body2" sx={{ color: 'text.secondary' }}>
                The node signs a transfer of the amount from the user's wallet to the payout account, then hands it to the payout provider. This cannot be undone.
              </Typography>
            ) : (
              <TextField
                {...submit.fieldProps('reason', 'The user reads this; the amount is unlocked.')}
                label="Reason"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                multiline
                minRows={2}
                required
                autoFocus
                slotProps={{ htmlInput: { maxLength: 500 } }}
              />
            )}
          </Stack>
        )}
      </ConfirmDialog>
    </Page>
  );
}
