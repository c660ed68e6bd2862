// EarningsPage.tsx — /cabinet/earnings: income by day, week or month from the
// ledger (GET /provider/stats), uptime and utilisation, and the rentals on the
// provider's servers (GET /provider/rentals). Refetched when blocks pay minutes.
import { useState } from 'react';
import {
  Box, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, ToggleButton, ToggleButtonGroup,
  Typography, useTheme,
} from '@mui/material';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page, StatusDot } from '../../components/common';
import { formatPercent, shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from './liveRefresh';
import { incomeRows, incomeTotal, type IncomeGroup, type IncomeRow } from './series';
import { cpc } from './units';
import type { ProviderRentals, ProviderStats, StatsPeriod } from './types';

const PERIODS: Record<StatsPeriod, string> = { day: 'Last 24 hours', week: 'Last 7 days', month: 'Last 30 days' };
const GROUPS: Record<IncomeGroup, string> = { day: 'By day', week: 'By week', month: 'By month' };

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Paper sx={{ p: 1.5, minWidth: 150, flex: 1 }}>
      <Typography variant="body2" color="text.secondary">{label}</Typography>
      <Typography variant="h6" component="p">{value}</Typography>
    </Paper>
  );
}

function IncomeChart({ rows }: { rows: IncomeRow[] }) {
  const theme = useTheme();
  const axis = { fill: theme.palette.text.secondary, fontSize: 12 };
  return (
    <Box sx={{ height: 260 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={theme.palette.divider} strokeDasharray="3 3" />
          <XAxis dataKey="label" tick={axis} minTickGap={8} />
          <YAxis tick={axis} allowDecimals />
          <Tooltip
            formatter={(_v, _n, item) => [cpc((item.payload as IncomeRow).amount), 'Income']}
            contentStyle={{ background: theme.palette.background.paper, border: `1px solid ${theme.palette.divider}`, color: theme.palette.text.primary }}
            cursor={{ fill: theme.palette.action.hover }}
          />
          <Bar dataKey="cpc" name="Income (CPC)" fill={theme.palette.primary.main} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Box>
  );
}

function RentalsTable() {
  const { api } = useSession();
  const rentals = useApi(() => api.get<ProviderRentals>('/provider/rentals', { limit: 100 }), [api]);
  useBlockRefresh(rentals.reload, 20_000);
  if (rentals.error) return <ErrorAlert error={rentals.error} onRetry={rentals.reload} />;
  if (!rentals.data) return <Loading label="Loading rentals…" />;
  if (rentals.data.rentals.length === 0) return <Empty>No rentals on your servers yet.</Empty>;
  return (
    <TableContainer component={Paper} sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label="Rentals on my servers">
        <TableHead>
          <TableRow>
            <TableCell>Rental</TableCell>
            <TableCell>Server</TableCell>
            <TableCell>Customer</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Started</TableCell>
            <TableCell>Ended</TableCell>
            <TableCell align="right">Minutes paid</TableCell>
            <TableCell align="right">Price / h</TableCell>
            <TableCell align="right">Income</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rentals.data.rentals.map((r) => (
            <TableRow key={r.id}>
              <TableCell sx={{ fontFamily: 'monospace' }} title={r.id}>{shortHash(r.id, 8, 4)}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }} title={r.server_id}>{r.server_id.slice(0, 8)}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{r.customer ?? '—'}</TableCell>
              <TableCell>
                <StatusDot status={r.status} />
                {r.end_reason && <Typography variant="caption" color="text.secondary">by {r.end_reason}</Typography>}
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{r.started_at ?? '—'}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{r.ended_at ?? '—'}</TableCell>
              <TableCell align="right">{r.minutes_paid}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{cpc(r.price_per_hour, 4)}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{cpc(r.income)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

export default function EarningsPage() {
  const { api } = useSession();
  const [period, setPeriod] = useState<StatsPeriod>('month');
  const [group, setGroup] = useState<IncomeGroup>('day');
  const stats = useApi(() => api.get<ProviderStats>('/provider/stats', { period }), [api, period]);
  useBlockRefresh(stats.reload, 20_000);
  const rows = stats.data ? incomeRows(stats.data, group) : [];

  return (
    <Page title="Earnings">
      <Stack spacing={3}>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ justifyContent: 'space-between' }}>
          <ToggleButtonGroup size="small" exclusive value={period} onChange={(_, v: StatsPeriod | null) => v && setPeriod(v)} aria-label="Period">
            {(Object.keys(PERIODS) as StatsPeriod[]).map((p) => (
              <ToggleButton key={p} value={p}>{PERIODS[p]}</ToggleButton>
            ))}
          </ToggleButtonGroup>
          <ToggleButtonGroup size="small" exclusive value={group} onChange={(_, v: IncomeGroup | null) => v && setGroup(v)} aria-label="Group income">
            {(Object.keys(GROUPS) as IncomeGroup[]).map((g) => (
              <ToggleButton key={g} value={g}>{GROUPS[g]}</ToggleButton>
            ))}
          </ToggleButtonGroup>
        </Stack>
        {stats.error && <ErrorAlert error={stats.error} onRetry={stats.reload} />}
        {!stats.data && stats.loading && <Loading label="Loading earnings…" />}
        {stats.data && (
          <>
            <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1.5 }}>
              <Figure label={`Income, ${PERIODS[period].toLowerCase()} (whole ${group}s)`} value={cpc(incomeTotal(rows))} />
              <Figure label="Hours rented" value={stats.data.overall.hours_rented.toFixed(1)} />
              <Figure label="Uptime" value={formatPercent(stats.data.overall.uptime_pct / 100)} />
              <Figure label="Utilisation" value={formatPercent(stats.data.overall.utilisation_pct / 100)} />
            </Stack>
            <Paper component="figure" sx={{ m: 0, p: 1.5 }} aria-label="Income chart">
              <Typography component="figcaption" variant="subtitle2" sx={{ mb: 1 }}>
                Income {GROUPS[group].toLowerCase()} (CPC, what you receive; the commission is not in it)
              </Typography>
              {rows.every((r) => r.amount === '0') ? <Empty>No income in this period yet.</Empty> : <IncomeChart rows={rows} />}
              {stats.data.rentals_truncated && (
                <Typography variant="caption" color="text.secondary">
                  Only the latest {stats.data.rentals_counted} rentals are counted.
                </Typography>
              )}
            </Paper>
          </>
        )}
        <Box component="section" aria-labelledby="rentals-title">
          <Typography id="rentals-title" variant="h6" component="h2" sx={{ mb: 1 }}>Rentals on my servers</Typography>
          <RentalsTable />
        </Box>
      </Stack>
    </Page>
  );
}
