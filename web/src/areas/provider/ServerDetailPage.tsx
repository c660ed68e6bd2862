// ServerDetailPage.tsx — /cabinet/servers/:id: one server's details, its
// worker's start command and its load over a chosen range.
import { useRef, useState, type ReactNode } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { Box, Button, Link, Paper, Stack, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page, StatusDot } from '../../components/common';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from './liveRefresh';
import { LoadCharts } from './LoadCharts';
import { LOAD_RANGES, loadQuery, loadRows, type LoadRange } from './series';
import { ServerFormDialog } from './ServerFormDialog';
import { WorkerCommand } from './WorkerCommand';
import { cpc } from './units';
import type { ProviderServer, ServerStats } from './types';

function Facts({ s }: { s: ProviderServer }) {
  const rows: [string, ReactNode][] = [
    ['Status', <StatusDot key="st" status={s.status} />],
    ['GPUs', `${s.gpu_count} × ${s.gpu_model}, ${s.vram_gb} GB each${s.cuda_cores ? `, ${s.cuda_cores} CUDA cores` : ''}`],
    ['CPU', s.cpu || '—'],
    ['RAM / disk', `${s.ram_gb} GB / ${s.disk_gb} GB`],
    ['Host and SSH ports', `${s.host}, ${s.ssh_port_min}–${s.ssh_port_max}`],
    ['Location', s.city ? `${s.city}, ${s.country}` : s.country],
    ['Your price', `${cpc(s.price_per_gpu_hour)} per GPU-hour`],
    ['Customers pay', `${cpc(s.price_per_hour)} per hour for the server`],
    ['Score', String(s.score)],
    ['Worker', s.worker ?? 'not bound'],
    ['Listed', s.created_at],
  ];
  return (
    <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: 'max-content 1fr' }, columnGap: 3, rowGap: 0.5, m: 0 }}>
      {rows.map(([k, v]) => (
        <Box key={k} sx={{ display: 'contents' }}>
          <Typography component="dt" variant="body2" color="text.secondary">{k}</Typography>
          <Typography component="dd" variant="body2" sx={{ m: 0, wordBreak: 'break-all' }}>{v}</Typography>
        </Box>
      ))}
    </Box>
  );
}

export default function ServerDetailPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const [range, setRange] = useState<LoadRange>('24h');
  const [editing, setEditing] = useState(false);
  const server = useApi(() => api.get<ProviderServer>(`/provider/servers/${encodeURIComponent(id)}`), [api, id]);
  const lastStats = useRef(0);
  const stats = useApi(() => {
    lastStats.current = Date.now();
    return api.get<ServerStats>(`/provider/servers/${encodeURIComponent(id)}/stats`, loadQuery(range, Date.now()));
  }, [api, id, range]);
  // Status with every block; the samples are per minute, so the charts at most once a minute.
  useBlockRefresh(() => {
    server.reload();
    if (Date.now() - lastStats.current >= 60_000) stats.reload();
  }, 5000);

  const s = server.data;
  const rows = stats.data ? loadRows(stats.data) : [];
  return (
    <Page
      title={s ? `${s.gpu_model} × ${s.gpu_count} at ${s.host}` : 'Server'}
      actions={
        <>
          <Button component={RouterLink} to="/cabinet/servers">All servers</Button>
          {s && <Button variant="contained" onClick={() => setEditing(true)}>Edit server</Button>}
        </>
      }
    >
      {server.error && <ErrorAlert error={server.error} onRetry={server.reload} />}
      {!s && server.loading && <Loading label="Loading the server…" />}
      {s && (
        <Stack spacing={3}>
          <Paper sx={{ p: 2 }}>
            <Facts s={s} />
          </Paper>
          {s.worker && (
            <Paper sx={{ p: 2 }} component="section" aria-labelledby="start-worker-title">
              <Typography id="start-worker-title" variant="h6" component="h2" sx={{ mb: 1 }}>
                Start its worker
              </Typography>
              <WorkerCommand />
            </Paper>
          )}
          <Box component="section" aria-labelledby="load-title">
            <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mb: 1, justifyContent: 'space-between', alignItems: { sm: 'center' } }}>
              <Typography id="load-title" variant="h6" component="h2">Load</Typography>
              <ToggleButtonGroup size="small" exclusive value={range} onChange={(_, v: LoadRange | null) => v && setRange(v)} aria-label="Time range">
                {(Object.keys(LOAD_RANGES) as LoadRange[]).map((r) => (
                  <ToggleButton key={r} value={r} aria-label={LOAD_RANGES[r].label}>{r}</ToggleButton>
                ))}
              </ToggleButtonGroup>
            </Stack>
            {stats.error && <ErrorAlert error={stats.error} onRetry={stats.reload} />}
            {!stats.data && stats.loading ? (
              <Loading label="Loading the load history…" />
            ) : stats.data && stats.data.points.length === 0 ? (
              <Empty>No samples in this range: the worker sends one a minute while it runs.</Empty>
            ) : stats.data ? (
              <LoadCharts rows={rows} step={stats.data.step} />
            ) : null}
          </Box>
        </Stack>
      )}
      {!s && !server.loading && !server.error && (
        <Empty>
          No such server. <Link component={RouterLink} to="/cabinet/servers">Back to your servers</Link>
        </Empty>
      )}
      {editing && s && (
        <ServerFormDialog
          server={s}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            server.reload();
          }}
        />
      )}
    </Page>
  );
}
