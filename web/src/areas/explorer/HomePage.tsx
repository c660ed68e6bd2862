// HomePage.tsx — the explorer's front page: headline figures from /status and
// the latest blocks and txs, kept current by GET /events (no polling): a new
// block is on screen as soon as the node publishes it.
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  Box, Chip, Paper, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading, Empty, Page } from '../../components/common';
import { formatAgo, formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useEvents } from '../../lib/sse';
import { Figures } from './Figures';
import { AddressLink, BlockLink, TxLink } from './links';
import { LATEST_BLOCKS, asBlockHeader, asTxEvent, mergeBlocks, mergeTxs } from './liveLists';
import { cpc } from './money';
import type { Block, BlockHeader, BlocksPage, ChainStatus, TxEvent } from './types';

/** Blocks with txs among `headers` whose txs seed the latest-txs list (at most this many fetched). */
const SEED_BLOCKS = 5;

function txEventsOf(b: Block): TxEvent[] {
  return b.txs.map((t, i) => ({
    hash: t.hash, height: b.header.height, index: t.index ?? i,
    status: t.status === 'failed' ? 'failed' : 'success', tx_type: t.tx_type,
  }));
}

export default function HomePage() {
  const { api } = useSession();
  const status = useApi(() => api.get<ChainStatus>('/status'), [api]);
  const [blocks, setBlocks] = useState<BlockHeader[]>([]);
  const [txs, setTxs] = useState<TxEvent[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>();
  const [now, setNow] = useState(() => Date.now());
  const [live, setLive] = useState<BlockHeader>();
  const blocksRef = useRef(blocks);
  blocksRef.current = blocks;

  const load = useCallback(async () => {
    setError(undefined);
    try {
      const page = await api.get<BlocksPage>('/blocks', { limit: LATEST_BLOCKS });
      setBlocks((cur) => mergeBlocks(cur, page.blocks));
      setLoaded(true);
      const withTxs = page.blocks.filter((b) => b.n_txs > 0).sort((a, b) => b.height - a.height).slice(0, SEED_BLOCKS);
      const full = await Promise.all(withTxs.map((b) => api.get<Block>(`/block/${b.height}`).catch(() => null)));
      setTxs((cur) => mergeTxs(cur, full.flatMap((b) => (b ? txEventsOf(b) : []))));
    } catch (e) {
      setError(e);
      setLoaded(true);
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  useEvents(['block', 'tx'], (data, event) => {
    if (event === 'block') {
      const b = asBlockHeader(data);
      if (!b) return;
      // a gap (the stream dropped and reconnected): fetch the page again
      const top = blocksRef.current[0]?.height;
      if (top !== undefined && b.height > top + 1) void load();
      setBlocks((cur) => mergeBlocks(cur, [b]));
      setLive(b);
      setNow(Date.now());
      status.reload();
    } else {
      const t = asTxEvent(data);
      if (t) setTxs((cur) => mergeTxs(cur, [t]));
    }
  });

  const s = status.data;
  const height = Math.max(s?.height ?? 0, live?.height ?? 0, blocks[0]?.height ?? 0);
  return (
    <Page title="ComputeChain explorer">
      {status.error && !s && <ErrorAlert error={status.error} onRetry={status.reload} />}
      {s && (
        <Figures label="Chain figures" items={[
          { label: 'Height', value: <span aria-live="off" data-testid="chain-height">{height.toLocaleString('en-US')}</span> },
          { label: 'Total txs', value: s.total_txs.toLocaleString('en-US') },
          { label: 'Mempool', value: `${s.mempool_size.toLocaleString('en-US')} txs` },
          { label: 'Block time', value: `${(s.block_time_ms / 1000).toLocaleString('en-US')} s` },
          { label: 'Total supply', value: cpc(s.total_supply) },
          { label: 'Chain', value: <Typography component="span" variant="body1">{s.chain_id} · {s.consensus}</Typography> },
        ]} />
      )}
      {!s && status.loading && <Loading label="Loading the chain's status…" />}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
        <Paper variant="outlined" component="section" aria-labelledby="latest-blocks">
          <Typography id="latest-blocks" variant="h6" component="h2" sx={{ p: 1.5, pb: 0 }}>Latest blocks</Typography>
          {error ? <ErrorAlert error={error} onRetry={() => void load()} /> : null}
          {!loaded ? <Loading label="Loading blocks…" /> : blocks.length === 0 && !error ? <Empty>No blocks yet.</Empty> : (
            <TableContainer sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-labelledby="latest-blocks">
                <TableHead>
                  <TableRow><TableCell>Height</TableCell><TableCell>Time</TableCell><TableCell align="right">Txs</TableCell><TableCell>Proposer</TableCell></TableRow>
                </TableHead>
                <TableBody>
                  {blocks.map((b) => (
                    <TableRow key={b.height} data-height={b.height}>
                      <TableCell><BlockLink height={b.height} /></TableCell>
                      <TableCell title={formatTime(b.time)} sx={{ whiteSpace: 'nowrap' }}>{formatAgo(b.time, now)}</TableCell>
                      <TableCell align="right">{b.n_txs}</TableCell>
                      <TableCell><AddressLink address={b.proposer} /></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        </Paper>
        <Paper variant="outlined" component="section" aria-labelledby="latest-txs">
          <Typography id="latest-txs" variant="h6" component="h2" sx={{ p: 1.5, pb: 0 }}>Latest transactions</Typography>
          {!loaded ? <Loading label="Loading transactions…" /> : txs.length === 0 ? (
            <Empty>No transactions in the latest blocks. New ones appear here as they are committed.</Empty>
          ) : (
            <TableContainer sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-labelledby="latest-txs">
                <TableHead>
                  <TableRow><TableCell>Hash</TableCell><TableCell>Type</TableCell><TableCell>Block</TableCell><TableCell>Status</TableCell></TableRow>
                </TableHead>
                <TableBody>
                  {txs.map((t) => (
                    <TableRow key={t.hash}>
                      <TableCell><TxLink hash={t.hash} /></TableCell>
                      <TableCell>{t.tx_type}</TableCell>
                      <TableCell><BlockLink height={t.height} /></TableCell>
                      <TableCell><Chip size="small" label={t.status} color={t.status === 'success' ? 'success' : 'error'} variant="outlined" /></TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        </Paper>
      </Box>
    </Page>
  );
}
