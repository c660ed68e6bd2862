// BlockPage.tsx — /explorer/block/:id: a block by height ("latest" too) with
// its txs. A block hash is looked up with GET /block/{hash} and the page moves
// to the block's height.
import { Link as RouterLink, Navigate, useParams } from 'react-router-dom';
import { Alert, Button, Paper, Stack, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ApiError } from '../../api/client';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useEvents } from '../../lib/sse';
import { Fields } from './Figures';
import { AddressLink, BlockLink, Mono } from './links';
import { TxTable } from './TxTable';
import type { Block } from './types';

function BlockByHash({ hash }: { hash: string }) {
  const { api } = useSession();
  const found = useApi(() => api.get<Block>(`/block/${hash}`), [api, hash]);
  if (found.loading && found.data === undefined) return <Loading label="Looking for the block…" />;
  if (found.error instanceof ApiError && found.error.status === 404)
    return <Alert severity="info">No block has hash <Mono>{hash}</Mono> on this chain.</Alert>;
  if (found.error) return <ErrorAlert error={found.error} onRetry={found.reload} />;
  if (found.data) return <Navigate to={`/explorer/block/${found.data.header.height}`} replace />;
  return null;
}

function BlockView({ id }: { id: string }) {
  const { api } = useSession();
  const block = useApi(() => api.get<Block>(`/block/${id}`), [api, id]);
  // a block past the tip: shown as soon as the chain reaches it
  useEvents(['block'], () => {
    if (block.error instanceof ApiError && block.error.status === 404) block.reload();
  });
  if (block.error) {
    if (block.error instanceof ApiError && block.error.status === 404) {
      return <Alert severity="info">There is no block {id} yet: the chain is not that high. It appears here once the chain reaches it.</Alert>;
    }
    return <ErrorAlert error={block.error} onRetry={block.reload} />;
  }
  if (block.loading && !block.data) return <Loading label="Loading the block…" />;
  const b = block.data;
  if (!b) return null;
  const h = b.header;
  return (
    <>
      <Stack direction="row" spacing={1} sx={{ mb: 2 }}>
        <Button variant="outlined" size="small" component={RouterLink} to={`/explorer/block/${h.height - 1}`} disabled={h.height === 0}>
          Previous block
        </Button>
        <Button variant="outlined" size="small" component={RouterLink} to={`/explorer/block/${h.height + 1}`}>
          Next block
        </Button>
      </Stack>
      <Fields label="Block header" rows={[
        ['Height', h.height.toLocaleString('en-US')],
        ['Time', formatTime(h.time)],
        ['Hash', <Mono key="h">{h.hash}</Mono>],
        ['Parent', h.height > 0 ? <Stack key="p" direction="row" spacing={1}><BlockLink height={h.height - 1} /><Mono>{h.prev_hash}</Mono></Stack> : 'none (genesis)'],
        ['Proposer', <AddressLink key="a" address={h.proposer} full />],
        ['Transactions', String(h.n_txs)],
        ['Tx root', <Mono key="t">{h.tx_root}</Mono>],
        ['Compute root', <Mono key="c">{h.compute_root}</Mono>],
        ['State root', <Mono key="s">{h.state_root}</Mono>],
        ['Chain', h.chain_id],
      ]} />
      <Paper variant="outlined" component="section" aria-labelledby="block-txs">
        <Typography id="block-txs" variant="h6" component="h2" sx={{ p: 1.5, pb: 0 }}>Transactions</Typography>
        {b.txs.length === 0 ? <Empty>This block holds no transactions.</Empty> : (
          <TxTable txs={b.txs.map((t) => ({ ...t, height: h.height }))} label={`Transactions of block ${h.height}`} />
        )}
      </Paper>
    </>
  );
}

export default function BlockPage() {
  const { id = '' } = useParams();
  const isHash = /^(0x)?[0-9a-f]{64}$/i.test(id);
  const isHeight = /^[0-9]{1,15}$/.test(id) || id === 'latest';
  const title = isHeight && id !== 'latest' ? `Block ${Number(id).toLocaleString('en-US')}` : id === 'latest' ? 'Latest block' : 'Block';
  return (
    <Page title={title}>
      {isHash ? <BlockByHash hash={id.replace(/^0x/i, '').toLowerCase()} /> : isHeight ? <BlockView id={id} /> : (
        <Alert severity="warning">“{id}” is neither a block height nor a block hash.</Alert>
      )}
    </Page>
  );
}
