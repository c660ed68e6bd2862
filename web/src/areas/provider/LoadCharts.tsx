// LoadCharts.tsx — a server's GPU, CPU, RAM and temperature over time (Recharts).
// Gaps (minutes without a heartbeat) break the lines. Colours come from the theme.
import { Box, Paper, Typography, useTheme } from '@mui/material';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTime } from '../../lib/format';
import { tickLabel, type LoadRow } from './series';

interface Metric {
  key: keyof Omit<LoadRow, 't'>;
  title: string;
  unit: string;
  domain?: [number, number];
  color: 'primary' | 'secondary' | 'success' | 'warning';
}

const METRICS: Metric[] = [
  { key: 'gpu', title: 'GPU load', unit: '%', domain: [0, 100], color: 'primary' },
  { key: 'cpu', title: 'CPU load', unit: '%', domain: [0, 100], color: 'secondary' },
  { key: 'ram_gb', title: 'RAM used', unit: 'GB', color: 'success' },
  { key: 'temp_c', title: 'GPU temperature', unit: '°C', color: 'warning' },
];

function latest(rows: LoadRow[], key: Metric['key']): number | null {
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i][key] !== null) return rows[i][key];
  return null;
}

export function LoadCharts({ rows, step }: { rows: LoadRow[]; step: 'minute' | 'hour' }) {
  const theme = useTheme();
  const axis = { fill: theme.palette.text.secondary, fontSize: 12 };
  // Few samples (a worker just started, or gaps): dots, since a lone sample draws no line.
  const sparse = rows.filter((r) => r.gpu !== null).length < 120;
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2 }}>
      {METRICS.map((m) => {
        const last = latest(rows, m.key);
        return (
          <Paper key={m.key} component="figure" sx={{ m: 0, p: 1.5 }} aria-label={`${m.title} over time`}>
            <Typography component="figcaption" variant="subtitle2">
              {m.title} ({m.unit}) — latest: {last === null ? 'no sample' : `${last} ${m.unit}`}
            </Typography>
            <Box sx={{ height: 200 }}>
              <ResponsiveContainer width="100%" height="100%">
                <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                  <CartesianGrid stroke={theme.palette.divider} strokeDasharray="3 3" />
                  <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tick={axis} tickFormatter={(t: number) => tickLabel(t, step)} minTickGap={24} />
                  <YAxis tick={axis} domain={m.domain ?? [0, 'auto']} allowDecimals />
                  <Tooltip
                    labelFormatter={(t) => formatTime(Number(t))}
                    formatter={(v) => [`${v} ${m.unit}`, m.title]}
                    contentStyle={{ background: theme.palette.background.paper, border: `1px solid ${theme.palette.divider}`, color: theme.palette.text.primary }}
                  />
                  <Line type="monotone" dataKey={m.key} stroke={theme.palette[m.color].main} dot={sparse ? { r: 2.5, fill: theme.palette[m.color].main } : false} isAnimationActive={false} connectNulls={false} strokeWidth={2} />
                </LineChart>
              </ResponsiveContainer>
            </Box>
          </Paper>
        );
      })}
    </Box>
  );
}
