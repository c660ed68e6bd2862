// TxTable.tsx — a list of txs (a block's, an account's): hash, type, what it
// did, sender, status and fee, every hash and address linked.
import type { ReactNode } from 'react';
import { Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import { AddressLink, BlockLink, TxLink } from './links';
import { cpc } from './money';
import { txCounterparty, txSummary } from './txSummary';
import type { Tx } from './types';

export function StatusChip({ status }: { status: string }) {
  const color = status === 'success' ? 'success' : status === 'failed' ? 'error' : 'warning';
  return <Chip size="small" label={status} color={color} variant="outlined" />;
}

export function TxTable({ txs, label, showBlock, extra }: {
  txs: Tx[];
  label: string;
  showBlock?: boolean;
  /** an extra leading cell per tx (e.g. in/out on an account page) */
  extra?: { head: string; cell: (t: Tx) => ReactNode };
}) {
  return (
    <TableContainer sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {extra && <TableCell>{extra.head}</TableCell>}
            <TableCell>Hash</TableCell>
            {showBlock && <TableCell>Block</TableCell>}
            <TableCell>Type</TableCell>
            <TableCell>Summary</TableCell>
            <TableCell>From</TableCell>
            <TableCell>To</TableCell>
            <TableCell>Status</TableCell>
            <TableCell align="right">Fee</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {txs.map((t) => {
            const to = txCounterparty(t);
            return (
              <TableRow key={t.hash}>
                {extra && <TableCell>{extra.cell(t)}</TableCell>}
                <TableCell><TxLink hash={t.hash} /></TableCell>
                {showBlock && <TableCell>{t.height === null ? 'pending' : <BlockLink height={t.height} />}</TableCell>}
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{t.tx_type}</TableCell>
                <TableCell sx={{ minWidth: 160 }}>{txSummary(t)}</TableCell>
                <TableCell><AddressLink address={t.from} /></TableCell>
                <TableCell>{to ? <AddressLink address={to} /> : '—'}</TableCell>
                <TableCell><StatusChip status={t.status} /></TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{cpc(t.fee)}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
