// WalletPage.tsx — /my/wallet: the balance (GET /account/balance), how to
// deposit (POST /account/deposit: the address as a QR code, with copy) and the
// wallet's ledger transactions (GET /account/{address}/txs), live on blocks.
import { useSearchParams, Link as RouterLink } from 'react-router-dom';
import {
  Box, Button, Card, CardContent, Link, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { CopyButton, Empty, ErrorAlert, Loading, Page, QrCode } from '../../components/common';
import { formatCpc, shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from '../../lib/live';
import { txAmount } from './walletTx';
import type { Balance, DepositInfo, LedgerTxs } from './types';

const LIMIT = 20;

function BalanceCard({ b }: { b: Balance }) {
  return (
    <Card variant="outlined" component="section" aria-labelledby="balance-title">
      <CardContent>
        <Typography id="balance-title" variant="h6" component="h2">Balance</Typography>
        <Typography variant="h4" component="p" data-testid="available">{formatCpc(b.available)}</Typography>
        <Typography variant="body2" color="text.secondary">available to spend</Typography>
        <Table size="small" aria-label="Balance details" sx={{ mt: 1 }}>
          <TableBody>
            <TableRow><TableCell component="th" scope="row">On the ledger</TableCell><TableCell align="right">{formatCpc(b.balance)}</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">Locked (pending withdrawals)</TableCell><TableCell align="right">{formatCpc(b.locked)}</TableCell></TableRow>
          </TableBody>
        </Table>
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
          {b.custodial ? 'A wallet the platform keeps for you: rentals are paid from it.' : 'Your own linked wallet: sign its transactions yourself.'}
        </Typography>
      </CardContent>
    </Card>
  );
}

function DepositCard({ d }: { d: DepositInfo }) {
  return (
    <Card variant="outlined" component="section" aria-labelledby="deposit-title">
      <CardContent>
        <Typography id="deposit-title" variant="h6" component="h2" gutterBottom>Deposit</Typography>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ alignItems: { sm: 'flex-start' } }}>
          <QrCode text={d.address} label={`QR code of your deposit address ${d.address}`} size={160} />
          <Box sx={{ minWidth: 0 }}>
            <Typography variant="body2" color="text.secondary">Your address on {d.chain_id}</Typography>
            <Stack direction="row" sx={{ alignItems: 'center' }}>
              <Typography sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }} data-testid="deposit-address">{d.address}</Typography>
              <CopyButton text={d.address} label="Copy the deposit address" />
            </Stack>
            <Typography variant="body2" sx={{ mt: 1 }}>{d.note}</Typography>
            <Typography variant="body2" sx={{ mt: 1 }}>From the command line:</Typography>
            <Stack direction="row" sx={{ alignItems: 'center' }}>
              <Box component="code" sx={{ fontSize: 13, overflowWrap: 'anywhere', bgcolor: 'action.hover', p: 0.5, borderRadius: 0.5 }}>{d.how}</Box>
              <CopyButton text={d.how} label="Copy the command" />
            </Stack>
          </Box>
        </Stack>
      </CardContent>
    </Card>
  );
}

function Transactions({ address }: { address: string }) {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const offset = /^[0-9]{1,6}$/.test(params.get('offset') ?? '') ? Number(params.get('offset')) : 0;
  const txs = useApi(() => api.get<LedgerTxs>(`/account/${address}/txs`, { limit: LIMIT, offset: offset || undefined }), [address, offset]);
  useBlockRefresh(txs.reload, 10_000);
  const rows = txs.data?.txs ?? [];
  const page = (o: number) => setParams(o > 0 ? { offset: String(o) } : {});
  return (
    <Card variant="outlined" component="section" aria-labelledby="txs-title">
      <CardContent>
        <Typography id="txs-title" variant="h6" component="h2" gutterBottom>Transactions</Typography>
        <ErrorAlert error={txs.error} onRetry={txs.reload} />
        {txs.loading && !txs.data ? <Loading /> : txs.data && !rows.length ? (
          <Empty>{offset ? 'No more transactions.' : 'No transactions yet. Deposit CPC to the address above.'}</Empty>
        ) : (
          <TableContainer sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="Wallet transactions">
              <TableHead>
                <TableRow>
                  <TableCell>Block</TableCell>
                  <TableCell>Type</TableCell>
                  <TableCell>Transaction</TableCell>
                  <TableCell align="right">Amount</TableCell>
                  <TableCell align="right">Fee</TableCell>
                  <TableCell>Result</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.map((t) => {
                  const a = txAmount(t, address);
                  return (
                    <TableRow key={t.hash}>
                      <TableCell><Link component={RouterLink} to={`/explorer/block/${t.height}`}>{t.height}</Link></TableCell>
                      <TableCell>{t.tx_type}</TableCell>
                      <TableCell><Link component={RouterLink} to={`/explorer/tx/${t.hash}`} sx={{ fontFamily: 'monospace' }} aria-label={`Transaction ${t.hash}`}>{shortHash(t.hash)}</Link></TableCell>
                      <TableCell align="right" sx={{ whiteSpace: 'nowrap', color: a && a.sign === '+' ? 'success.main' : undefined }}>
                        {a ? `${a.sign}${formatCpc(a.amount)}` : '—'}
                      </TableCell>
                      <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{t.from === address ? formatCpc(t.fee) : '—'}</TableCell>
                      <TableCell>{t.status === 'success' ? 'ok' : `failed${t.error ? `: ${t.error}` : ''}`}</TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </TableContainer>
        )}
        {(offset > 0 || rows.length === LIMIT) && (
          <Stack direction="row" spacing={1} sx={{ mt: 2 }} component="nav" aria-label="Transaction pages">
            <Button disabled={offset === 0} onClick={() => page(Math.max(0, offset - LIMIT))}>Previous page</Button>
            <Button disabled={rows.length < LIMIT} onClick={() => page(offset + LIMIT)}>Next page</Button>
          </Stack>
        )}
      </CardContent>
    </Card>
  );
}

export default function WalletPage() {
  const { api } = useSession();
  const balance = useApi(() => api.get<Balance>('/account/balance'), []);
  const deposit = useApi(() => api.post<DepositInfo>('/account/deposit', {}), []);
  useBlockRefresh(balance.reload, 10_000);
  return (
    <Page title="Wallet" actions={<Button component={RouterLink} to="/my/invoices">Invoices</Button>}>
      <ErrorAlert error={balance.error} onRetry={balance.reload} />
      <ErrorAlert error={deposit.error} onRetry={deposit.reload} />
      {(balance.loading && !balance.data) || (deposit.loading && !deposit.data) ? <Loading /> : null}
      <Stack spacing={2}>
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(260px, 1fr) 2fr' }, alignItems: 'start' }}>
          {balance.data && <BalanceCard b={balance.data} />}
          {deposit.data && <DepositCard d={deposit.data} />}
        </Box>
        {balance.data && <Transactions address={balance.data.address} />}
      </Stack>
    </Page>
  );
}
