// WalletPage.tsx — /cabinet/wallet: the provider's balance (committed, locked
// by pending withdrawals, available), the wallet's ledger txs, and withdrawal
// requests with their decisions. Refetched on each block.
import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import {
  Alert, Box, Button, Link, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { CopyButton, Empty, ErrorAlert, Loading, Page, StatusDot } from '../../components/common';
import { formatTime, shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from './liveRefresh';
import { WithdrawForm } from './WithdrawForm';
import { maskDestination, WITHDRAWAL_METHODS } from './withdrawal';
import { cpc } from './units';
import type { AccountBalance, AccountTxs, LedgerTx, MyWallet, WithdrawalMethod, Withdrawals } from './types';

const TX_PAGE = 25;

function txAmount(tx: LedgerTx, me: string): { text: string; incoming: boolean } {
  const amount = typeof tx.payload?.amount === 'number' ? tx.payload.amount : 0;
  const incoming = tx.from !== me;
  return { text: amount ? `${incoming ? '+' : '−'}${cpc(amount)}` : '—', incoming };
}

function Balance({ b }: { b: AccountBalance }) {
  const cells: [string, number][] = [['Available', b.available], ['Locked by pending withdrawals', b.locked], ['Balance', b.balance]];
  return (
    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1.5 }}>
      {cells.map(([label, v]) => (
        <Paper key={label} sx={{ p: 1.5, flex: 1, minWidth: 180 }}>
          <Typography variant="body2" color="text.secondary">{label}</Typography>
          <Typography variant="h6" component="p">{cpc(v)}</Typography>
        </Paper>
      ))}
    </Stack>
  );
}

function Transactions({ address }: { address: string }) {
  const { api } = useSession();
  const [limit, setLimit] = useState(TX_PAGE);
  const txs = useApi(() => api.get<AccountTxs>(`/account/${encodeURIComponent(address)}/txs`, { limit }), [api, address, limit]);
  useBlockRefresh(txs.reload, 10_000);
  if (txs.error) return <ErrorAlert error={txs.error} onRetry={txs.reload} />;
  if (!txs.data) return <Loading label="Loading transactions…" />;
  if (txs.data.txs.length === 0) return <Empty>No transactions yet.</Empty>;
  return (
    <>
      <TableContainer component={Paper} sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Transactions">
          <TableHead>
            <TableRow>
              <TableCell>Tx</TableCell>
              <TableCell>Type</TableCell>
              <TableCell>Counterparty</TableCell>
              <TableCell align="right">Amount</TableCell>
              <TableCell align="right">Fee</TableCell>
              <TableCell align="right">Block</TableCell>
              <TableCell>Result</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {txs.data.txs.map((tx) => {
              const a = txAmount(tx, address);
              const other = a.incoming ? tx.from : tx.payload?.to;
              return (
                <TableRow key={tx.hash}>
                  <TableCell sx={{ fontFamily: 'monospace' }}>
                    <Link component={RouterLink} to={`/explorer/tx/${tx.hash}`}>{shortHash(tx.hash, 8, 4)}</Link>
                  </TableCell>
                  <TableCell>{tx.tx_type}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{typeof other === 'string' ? shortHash(other) : '—'}</TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap', color: a.incoming ? 'success.main' : 'text.primary' }}>{a.text}</TableCell>
                  <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{a.incoming ? '—' : cpc(tx.fee)}</TableCell>
                  <TableCell align="right">
                    <Link component={RouterLink} to={`/explorer/block/${tx.height}`}>{tx.height}</Link>
                  </TableCell>
                  <TableCell>{tx.status === 'success' ? 'success' : `failed: ${tx.error ?? ''}`}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      {txs.data.txs.length >= limit && limit < 500 && (
        <Button sx={{ mt: 1 }} onClick={() => setLimit((l) => Math.min(500, l + TX_PAGE))} disabled={txs.loading}>
          Show more transactions
        </Button>
      )}
      <Typography variant="caption" color="text.secondary" display="block" sx={{ mt: 0.5 }}>
        Rent reaches the wallet at block end each minute; those payments are not txs of their own, so they show in the balance and on the Earnings page.
      </Typography>
    </>
  );
}

function WithdrawalsTable({ w }: { w: Withdrawals }) {
  if (w.withdrawals.length === 0) return <Empty>No withdrawal requests yet.</Empty>;
  return (
    <TableContainer component={Paper} sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label="Withdrawal requests">
        <TableHead>
          <TableRow>
            <TableCell>Asked</TableCell>
            <TableCell align="right">Amount</TableCell>
            <TableCell>Method</TableCell>
            <TableCell>Destination</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Decided</TableCell>
            <TableCell>Payout tx or reason</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {w.withdrawals.map((r) => (
            <TableRow key={r.id}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTime(r.created_ms)}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{cpc(r.amount)}</TableCell>
              <TableCell>{WITHDRAWAL_METHODS[r.method as WithdrawalMethod]?.label ?? r.method}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }} title={r.destination}>{maskDestination(r.method, r.destination)}</TableCell>
              <TableCell><StatusDot status={r.status} /></TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{r.decided_ms ? formatTime(r.decided_ms) : '—'}</TableCell>
              <TableCell sx={{ fontFamily: r.tx_hash ? 'monospace' : undefined }}>
                {r.tx_hash ? <Link component={RouterLink} to={`/explorer/tx/${r.tx_hash}`}>{shortHash(r.tx_hash, 8, 4)}</Link> : r.reason ?? '—'}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

export default function WalletPage() {
  const { api } = useSession();
  const wallet = useApi(() => api.get<MyWallet>('/me/wallet'), [api]);
  const balance = useApi(() => api.get<AccountBalance>('/account/balance'), [api]);
  const withdrawals = useApi(() => api.get<Withdrawals>('/provider/withdrawals', { limit: 100 }), [api]);
  const [requested, setRequested] = useState(false);
  useBlockRefresh(() => {
    balance.reload();
    withdrawals.reload();
  }, 10_000);
  const address = wallet.data?.address;

  return (
    <Page title="Provider wallet">
      <Stack spacing={3}>
        <Box component="section" aria-labelledby="balance-title">
          <Typography id="balance-title" variant="h6" component="h2" sx={{ mb: 1 }}>Balance</Typography>
          {wallet.error && <ErrorAlert error={wallet.error} onRetry={wallet.reload} />}
          {address && (
            <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 1, minWidth: 0 }}>
              <Typography variant="body2" color="text.secondary">Address</Typography>
              <Typography variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>{address}</Typography>
              <CopyButton text={address} label="Copy the wallet address" />
            </Stack>
          )}
          {wallet.data && !wallet.data.custodial && (
            <Alert severity="info" sx={{ mb: 1 }}>Your wallet is linked (self-custody): withdrawals here are for custodial wallets; move funds with your own key.</Alert>
          )}
          {balance.error && <ErrorAlert error={balance.error} onRetry={balance.reload} />}
          {balance.data ? <Balance b={balance.data} /> : balance.loading && <Loading label="Loading the balance…" />}
        </Box>

        <Box component="section" aria-labelledby="withdrawals-title">
          <Typography id="withdrawals-title" variant="h6" component="h2" sx={{ mb: 1 }}>Withdrawals</Typography>
          <Paper sx={{ p: 2, mb: 2 }}>
            <WithdrawForm
              available={balance.data ? cpc(balance.data.available) : undefined}
              onDone={() => {
                setRequested(true);
                balance.reload();
                withdrawals.reload();
              }}
            />
            {requested && (
              <Alert severity="success" sx={{ mt: 1 }} onClose={() => setRequested(false)}>
                Withdrawal requested: the amount is locked until an operator approves or rejects it.
              </Alert>
            )}
          </Paper>
          {withdrawals.error && <ErrorAlert error={withdrawals.error} onRetry={withdrawals.reload} />}
          {withdrawals.data ? <WithdrawalsTable w={withdrawals.data} /> : withdrawals.loading && <Loading label="Loading withdrawals…" />}
        </Box>

        <Box component="section" aria-labelledby="txs-title">
          <Typography id="txs-title" variant="h6" component="h2" sx={{ mb: 1 }}>Transactions</Typography>
          {address ? <Transactions address={address} /> : wallet.loading && <Loading />}
        </Box>
      </Stack>
    </Page>
  );
}
