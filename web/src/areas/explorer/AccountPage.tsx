// AccountPage.tsx — /explorer/account/:address: balance, stake and nonce, the
// worker record when the address is a registered worker, and its txs a page
// at a time (newest first). Refetched when a block commits, not on a timer.
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, Box, Chip, Paper, TablePagination, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ApiError } from '../../api/client';
import { CopyButton, Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { formatPercent } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useEvents } from '../../lib/sse';
import { Fields, Figures } from './Figures';
import { Mono } from './links';
import { asBlockHeader } from './liveLists';
import { balanceOf, cpc } from './money';
import { txDirection } from './txSummary';
import { TxTable } from './TxTable';
import type { Account, AccountTxs, WorkerRow } from './types';

const PAGE_SIZES = [10, 25, 50, 100];

function WorkerRecord({ address }: { address: string }) {
  const { api } = useSession();
  const w = useApi(() => api.get<WorkerRow & { unbonding_since: number | null; lease_cap?: number }>(`/market/worker/${address}`), [api, address]);
  if (w.error instanceof ApiError && w.error.status === 404) return null; // not a worker
  if (w.error) return <ErrorAlert error={w.error} onRetry={w.reload} />;
  const r = w.data;
  if (!r) return null;
  return (
    <Box component="section" aria-labelledby="worker-record">
      <Typography id="worker-record" variant="h6" component="h2" sx={{ mb: 1 }}>Worker</Typography>
      <Fields label="Worker record" rows={[
        ['Reputation', formatPercent(r.score / 1000)],
        ['Results', `${r.accepted} accepted, ${r.rejected} rejected, ${r.timed_out} timed out`],
        ['Locked stake', cpc(r.locked)],
        ['Status', r.unbonding_since ? `unbonding since block ${r.unbonding_since}` : r.online ? 'online' : 'offline'],
        ['Machine', `${r.cpu_cores} CPU cores${r.gpu_count ? `, ${r.gpu_count} × ${r.gpu_model || 'GPU'} (${r.vram_gb} GB)` : ''}`],
        ['Registered at block', String(r.registered_height)],
      ]} />
    </Box>
  );
}

export default function AccountPage() {
  const { address = '' } = useParams();
  const { api } = useSession();
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(25);
  const acc = useApi(() => api.get<Account>(`/account/${address}`), [api, address]);
  const txs = useApi(() => api.get<AccountTxs>(`/account/${address}/txs`, { limit: size, offset: page * size }), [api, address, page, size]);
  // a block with txs may concern this account; every 10th block also catches
  // what settles at block end without a tx (rental minutes, job refunds)
  useEvents(['block'], (d) => {
    const b = asBlockHeader(d);
    if (!b || (b.n_txs === 0 && b.height % 10 !== 0)) return;
    acc.reload();
    if (page === 0) txs.reload();
  });
  const bad = acc.error instanceof ApiError && acc.error.status === 400;
  const a = acc.data;
  const list = txs.data?.txs ?? [];
  return (
    <Page title="Account">
      <Typography variant="body2" sx={{ mb: 2, display: 'flex', alignItems: 'center', gap: 0.5, flexWrap: 'wrap' }}>
        <Mono>{address}</Mono> <CopyButton text={address} label="Copy the address" />
      </Typography>
      {bad ? <Alert severity="warning">“{address}” is not a valid cpc1 address.</Alert> : (
        <>
          {acc.error && <ErrorAlert error={acc.error} onRetry={acc.reload} />}
          {!a && acc.loading && <Loading label="Loading the account…" />}
          {a && (
            <Figures label="Account figures" items={[
              { label: 'Balance', value: balanceOf(a.balance_cpc, a.balance) },
              { label: 'Stake', value: cpc(a.stake) },
              { label: 'Nonce', value: String(a.nonce) },
              { label: 'Next nonce (with pending)', value: String(a.pending_nonce) },
            ]} />
          )}
          <WorkerRecord address={address} />
          <Paper variant="outlined" component="section" aria-labelledby="account-txs">
            <Typography id="account-txs" variant="h6" component="h2" sx={{ p: 1.5, pb: 0 }}>Transactions</Typography>
            {txs.error ? <ErrorAlert error={txs.error} onRetry={txs.reload} />
              : txs.loading && !txs.data ? <Loading label="Loading transactions…" />
              : list.length === 0 ? <Empty>{page === 0 ? 'No transactions sent or received by this address.' : 'No more transactions.'}</Empty>
              : (
                <TxTable txs={list} label="Transactions of this account" showBlock extra={{
                  head: 'Direction',
                  cell: (t) => {
                    const d = txDirection(t, address);
                    return <Chip size="small" variant="outlined" label={d === 'out' ? 'sent' : d === 'in' ? 'received' : 'self'} />;
                  },
                }} />
              )}
            <TablePagination
              component="div"
              count={list.length < size ? page * size + list.length : -1}
              page={page}
              onPageChange={(_, p) => setPage(p)}
              rowsPerPage={size}
              rowsPerPageOptions={PAGE_SIZES}
              onRowsPerPageChange={(e) => { setSize(Number(e.target.value)); setPage(0); }}
              labelDisplayedRows={({ from, to }) => (list.length ? `${from}–${to}` : '')}
            />
          </Paper>
        </>
      )}
    </Page>
  );
}
