// TxPage.tsx — /explorer/tx/:hash: one tx, committed or pending, with what it
// did and every address, job and block it names linked. A 64-hex string that
// is no tx may be a job id or a block hash (the search box sends all three
// here), so a 404 looks for those before saying nothing matched.
import { useParams } from 'react-router-dom';
import { Alert, Stack, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ApiError } from '../../api/client';
import { ErrorAlert, Loading, Page } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useEvents } from '../../lib/sse';
import { Fields } from './Figures';
import { AddressLink, BlockLink, JobLink, Mono } from './links';
import { cpc } from './money';
import { txSummary } from './txSummary';
import { StatusChip } from './TxTable';
import type { Block, BlocksPage, Tx } from './types';

function payloadValue(key: string, v: unknown) {
  if (typeof v === 'string' && v.startsWith('cpc1')) return <AddressLink address={v} full />;
  if (key === 'job_id' && typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) return <JobLink id={v} full />;
  if ((key === 'amount' || key === 'stake' || key === 'deposit' || key === 'reward' || key === 'rate_per_minute') &&
    (typeof v === 'number' || typeof v === 'string')) return cpc(v);
  if (typeof v === 'string') return <Mono>{v}</Mono>;
  return <Mono>{JSON.stringify(v)}</Mono>;
}

/** When the hash is no tx: is it a job, or a block? */
function NotATx({ hash }: { hash: string }) {
  const { api } = useSession();
  const other = useApi(async () => {
    const [job, blocks] = await Promise.all([
      api.get<{ id: string }>(`/market/job/${hash}`, { limit: 1 }).then(() => true, () => false),
      api.get<Block>(`/block/${hash}`).then((b) => b.header.height, () => null),
    ]);
    return { job, block: blocks };
  }, [api, hash]);
  if (other.loading && !other.data) return <Loading label="Not a transaction; looking for a job or block with this hash…" />;
  const d = other.data;
  if (d?.job) return <Alert severity="info">This is not a transaction but a job: <JobLink id={hash} full /></Alert>;
  if (d && d.block !== null) return <Alert severity="info">This is not a transaction but the hash of block <BlockLink height={d.block} />.</Alert>;
  return (
    <Alert severity="info">
      Nothing has the hash <Mono>{hash}</Mono>: no transaction (committed or pending), no job and no block. A
      transaction sent a moment ago appears once the node admits it.
    </Alert>
  );
}

export default function TxPage() {
  const { hash = '' } = useParams();
  const h = hash.replace(/^0x/i, '').toLowerCase();
  const valid = /^[0-9a-f]{64}$/.test(h);
  const { api } = useSession();
  const tx = useApi(() => (valid ? api.get<Tx>(`/tx/${h}`) : null), [api, h, valid]);
  // a pending tx changes when a block commits it: refetch then
  useEvents(['block'], () => {
    if (tx.data?.status === 'pending') tx.reload();
  });
  const t = tx.data;
  const height = t?.height ?? null;
  const header = useApi(() => (height !== null ? api.get<BlocksPage>('/blocks', { from: height, limit: 1 }) : null), [api, height]);
  const time = header.data?.blocks[0]?.time;
  return (
    <Page title="Transaction">
      {!valid ? <Alert severity="warning">“{hash}” is not a transaction hash (64 hexadecimal characters).</Alert>
        : tx.loading && !t ? <Loading label="Loading the transaction…" />
        : tx.error instanceof ApiError && tx.error.status === 404 ? <NotATx hash={h} />
        : tx.error ? <ErrorAlert error={tx.error} onRetry={tx.reload} />
        : t ? (
          <>
            <Fields label="Transaction" rows={[
              ['Hash', <Mono key="h">{t.hash}</Mono>],
              ['Status', <Stack key="s" direction="row" spacing={1} sx={{ alignItems: 'center' }}><StatusChip status={t.status} />{t.error ? <span>{t.error}</span> : null}</Stack>],
              ['Block', t.height === null ? 'not in a block yet (in the mempool)' : <span key="b"><BlockLink height={t.height} />{t.index !== undefined ? `, position ${t.index}` : ''}</span>],
              ['Time', time ? formatTime(time) : t.height === null ? 'pending' : '—'],
              ['Type', t.tx_type],
              ['Summary', txSummary(t)],
              ...(t.tx_type === 'JOB_CREATE' && t.status === 'success' ? [['Job', <JobLink key="j" id={t.hash} full />] as [string, JSX.Element]] : []),
              ['From', <AddressLink key="f" address={t.from} full />],
              ['Nonce', String(t.nonce)],
              ['Gas price', `${t.gas_price} base units per gas`],
              ['Gas', t.gas_used !== undefined ? `${t.gas_used.toLocaleString('en-US')} used` : t.gas !== undefined ? `${t.gas.toLocaleString('en-US')} (on inclusion)` : '—'],
              ['Fee', cpc(t.fee ?? (t.gas !== undefined ? t.gas * t.gas_price : undefined))],
              ['Chain', t.chain_id ?? '—'],
            ]} />
            {Object.keys(t.payload ?? {}).length > 0 && (
              <>
                <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Payload</Typography>
                <Fields label="Payload" rows={Object.entries(t.payload).map(([k, v]) => [k, payloadValue(k, v)])} />
              </>
            )}
          </>
        ) : null}
    </Page>
  );
}
