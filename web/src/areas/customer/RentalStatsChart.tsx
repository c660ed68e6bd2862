// RentalStatsChart.tsx — the rented machine's load over the rental
// (GET /rentals/{id}/stats): CPU and GPU load and temperature.
import { Card, CardContent, Typography, useTheme } from '@mui/material';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from '../../lib/live';
import type { RentalStats } from './types';

function hhmm(ms: number): string {
  return formatTime(ms).slice(11, 16);
}

export function RentalStatsChart({ id, version }: { id: string; version: string }) {
  const { api } = useSession();
  const theme = useTheme();
  const stats = useApi(() => api.get<RentalStats>(`/rentals/${id}/stats`), [id, version]);
  useBlockRefresh(stats.reload, 60_000);
  const pts = stats.data?.points ?? [];
  const last = pts[pts.length - 1];
  return (
    <Card variant="outlined" component="section" aria-labelledby="stats-title">
      <CardContent>
        <Typography id="stats-title" variant="h6" component="h2">Machine load</Typography>
        <ErrorAlert error={stats.error} onRetry={stats.reload} />
        {stats.loading && !stats.data && <Loading />}
        {stats.data && !pts.length && <Typography variant="body2" color="text.secondary">No samples yet: the machine reports one a minute.</Typography>}
        {last && (
          <Typography variant="body2" gutterBottom>
            Last sample {formatTime(last.t_ms)}: CPU {last.cpu ?? '—'} %, GPU {last.gpu ?? '—'} %, RAM {last.ram_mb ?? '—'} MB, {last.temp_c ?? '—'} °C
          </Typography>
        )}
        {pts.length > 1 && (
          <div role="img" aria-label={`CPU and GPU load per ${stats.data?.step ?? 'minute'} over the rental`} style={{ width: '100%', height: 220 }}>
            <ResponsiveContainer>
              <LineChart data={pts} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
                <CartesianGrid stroke={theme.palette.divider} />
                <XAxis dataKey="t_ms" tickFormatter={hhmm} stroke={theme.palette.text.secondary} fontSize={12} />
                <YAxis stroke={theme.palette.text.secondary} fontSize={12} />
                <Tooltip labelFormatter={(v) => formatTime(Number(v))} contentStyle={{ background: theme.palette.background.paper, color: theme.palette.text.primary }} />
                <Legend />
                <Line type="monotone" dataKey="cpu" name="CPU %" stroke={theme.palette.primary.main} dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="gpu" name="GPU %" stroke={theme.palette.secondary.main} dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="temp_c" name="°C" stroke={theme.palette.warning.main} dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </CardContent>
    </Card>
  );
}
