// FleetPage.tsx — /console/fleet: every GPU server with live status and load,
// headline counts and a world map; refreshed on each new block (SSE).
import { lazy, Suspense, useState } from 'react';
import {
  Card, CardContent, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead,
  TableRow, TextField, Typography,
} from '@mui/material';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { useBlockRefresh } from '../../../lib/live';
import { formatCpc, formatDuration, shortHash } from '../../../lib/format';
import { Empty, ErrorAlert, Loading, Page, StatusDot } from '../../../components/common';
import type { LocationsAnswer, ServersAnswer } from '../types';
import { Pager } from '../Pager';
import { fleetCounts, meanLoad } from './fleetStats';

const WorldMap = lazy(() => import('./WorldMap'));
const LIMIT = 50;
const BUSY_SCAN = 200;
/** a select whose empty value ("Any") shows as a value, not as a placeholder */
const SHOW_ANY = { inputLabel: { shrink: true }, select: { displayEmpty: true } };

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Card variant="outlined" sx={{ flex: '1 1 140px' }}>
      <CardContent sx={{ py: 1.5, '&:last-child': { pb: 1.5 } }}>
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>{label}</Typography>
        <Typography variant="h6" component="p">{value}</Typography>
      </CardContent>
    </Card>
  );
}

export default function FleetPage() {
  const { api } = useSession();
  const [status, setStatus] = useState('');
  const [model, setModel] = useState('');
  const [country, setCountry] = useState('');
  const [provider, setProvider] = useState('');
  const [offset, setOffset] = useState(0);
  const countryOk = country === '' || /^[A-Za-z]{2}$/.test(country);
  const servers = useApi(
    () => (countryOk
      ? api.get<ServersAnswer>('/admin/servers', { status, model: model.trim(), country: country.toUpperCase(), provider: provider.trim(), limit: LIMIT, offset })
      : null),
    [api, status, model, country, provider, offset, countryOk],
  );
  const locations = useApi(() => api.get<LocationsAnswer>('/admin/servers/locations'), [api]);
  const busy = useApi(() => api.get<ServersAnswer>('/admin/servers', { status: 'busy', limit: BUSY_SCAN }), [api]);
  useBlockRefresh(() => {
    servers.reload();
    locations.reload();
    busy.reload();
  });

  const counts = locations.data ? fleetCounts(locations.data.locations) : null;
  const busyN = busy.data ? busy.data.servers.length : null;
  const busyText = busyN === null ? '—' : busyN >= BUSY_SCAN || busy.data?.scan_truncated ? `${BUSY_SCAN}+` : String(busyN);
  const load = servers.data ? meanLoad(servers.data.servers) : null;
  const filter = (set: (v: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    setOffset(0);
  };

  return (
    <Page title="Fleet">
      <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1.5, mb: 2 }} aria-label="Fleet counts" role="group">
        <Stat label="Servers" value={counts ? String(counts.servers) : '—'} />
        <Stat label="Online" value={counts ? String(counts.online) : '—'} />
        <Stat label="Busy" value={busyText} />
        <Stat label="Offline" value={counts ? String(counts.offline) : '—'} />
        <Stat label="GPUs" value={counts ? String(counts.gpus) : '—'} />
        <Stat label="Load GPU / CPU (listed)" value={load ? `${load.gpu.toFixed(0)} % / ${load.cpu.toFixed(0)} %` : '—'} />
      </Stack>
      <ErrorAlert error={locations.error ?? busy.error} onRetry={() => { locations.reload(); busy.reload(); }} />

      <Paper variant="outlined" sx={{ p: { xs: 1, sm: 2 }, mb: 2 }}>
        <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Where the GPUs are</Typography>
        {locations.loading && !locations.data ? (
          <Loading />
        ) : locations.data && locations.data.locations.length === 0 ? (
          <Empty>No servers registered yet.</Empty>
        ) : locations.data ? (
          <Suspense fallback={<Loading label="Loading the map…" />}>
            <WorldMap locations={locations.data.locations} />
            {locations.data.truncated && <Typography variant="caption">Only the first places are shown.</Typography>}
          </Suspense>
        ) : null}
      </Paper>

      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Servers</Typography>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1.5} sx={{ mb: 1.5 }}>
        <TextField select size="small" label="Status" value={status} onChange={filter(setStatus)} sx={{ minWidth: 140 }} id="fleet-status" slotProps={SHOW_ANY}>
          <MenuItem value="">Any</MenuItem>
          <MenuItem value="online">Online</MenuItem>
          <MenuItem value="busy">Busy</MenuItem>
          <MenuItem value="offline">Offline</MenuItem>
        </TextField>
        <TextField size="small" label="GPU model" value={model} onChange={filter(setModel)} id="fleet-model" />
        <TextField
          size="small"
          label="Country"
          value={country}
          onChange={filter(setCountry)}
          id="fleet-country"
          error={!countryOk}
          helperText={countryOk ? undefined : 'two letters, such as DE'}
          slotProps={{ htmlInput: { maxLength: 2 } }}
        />
        <TextField size="small" label="Provider (id or email)" value={provider} onChange={filter(setProvider)} id="fleet-provider" />
      </Stack>
      <ErrorAlert error={servers.error} onRetry={servers.reload} />
      {servers.loading && !servers.data ? (
        <Loading />
      ) : servers.data && servers.data.servers.length === 0 ? (
        <Empty>No servers match.</Empty>
      ) : servers.data ? (
        <>
          <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="Servers">
              <TableHead>
                <TableRow>
                  <TableCell>Server</TableCell>
                  <TableCell>Provider</TableCell>
                  <TableCell>GPUs</TableCell>
                  <TableCell>Location</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell align="right">GPU / CPU load</TableCell>
                  <TableCell align="right">Temp.</TableCell>
                  <TableCell align="right">Uptime</TableCell>
                  <TableCell align="right">Price / h</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {servers.data.servers.map((s) => (
                  <TableRow key={s.id}>
                    <TableCell title={s.id} sx={{ fontFamily: 'monospace' }}>{shortHash(s.id, 8, 4)}</TableCell>
                    <TableCell>{s.provider.email ?? `#${s.provider.id}`}</TableCell>
                    <TableCell>{s.gpu_count} × {s.gpu_model}</TableCell>
                    <TableCell>{[s.location.city, s.location.country].filter(Boolean).join(', ')}</TableCell>
                    <TableCell><StatusDot status={s.status} /></TableCell>
                    <TableCell align="right">{s.load ? `${s.load.gpu.toFixed(0)} % / ${s.load.cpu.toFixed(0)} %` : '—'}</TableCell>
                    <TableCell align="right">{s.load ? `${s.load.temp_c.toFixed(0)} °C` : '—'}</TableCell>
                    <TableCell align="right">{s.uptime_s === null ? '—' : formatDuration(s.uptime_s)}</TableCell>
                    <TableCell align="right">{formatCpc(s.price_per_hour)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          {servers.data.scan_truncated && <Typography variant="caption">The status filter stopped early: narrow the search.</Typography>}
          <Pager offset={offset} limit={LIMIT} shown={servers.data.servers.length} onOffset={setOffset} label="servers" />
        </>
      ) : null}
    </Page>
  );
}
