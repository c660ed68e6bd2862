// RevenuePage.tsx — /console/revenue: what the platform earned over a period
// (GET /admin/finance): totals, revenue and commission charts, and the same
// buckets as a CSV (fetched with the bearer token, saved through a Blob).
import { useState } from 'react';
import {
  Button, Card, CardContent, MenuItem, Paper, Stack, TextField, Typography, useTheme,
} from '@mui/material';
import {
  Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { formatCpc } from '../../../lib/format';
import { useSubmit } from '../../../components/form';
import { Empty, ErrorAlert, Loading, Page } from '../../../components/common';
import type { FinanceAnswer, FinanceGroup } from '../types';
import { cpcText } from '../money';
import { saveText } from '../../../lib/download';
import { BucketTable } from './BucketTable';
import { csvFileName, financeSeries, lastDays, periodOf, type FinancePoint, type Period } from './finance';

function Total({ label, value }: { label: string; value: string }) {
  return (
    <Card variant="outlined" sx={{ flex: '1 1 170px' }}>
      <CardContent sx={{ py: 1.5, '&:last-child': { pb: 1.5 } }}>
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>{label}</Typography>
        <Typography variant="h6" component="p">{value}</Typography>
      </CardContent>
    </Card>
  );
}

type Key = keyof FinancePoint['units'];
const NAMES: Record<Key, string> = { gross: 'Customers paid', provider_income: 'Provider income', commission: 'Commission', payouts: 'Payouts' };

/** Tooltip lines with the exact amount, not the plotted float. */
function exact(_v: unknown, name: unknown, item: { dataKey?: unknown; payload?: FinancePoint }) {
  const k = item.dataKey as Key;
  const units = item.payload?.units[k];
  return [units === undefined ? '—' : formatCpc(units), String(name)];
}

export default function RevenuePage() {
  const { api } = useSession();
  const theme = useTheme();
  const init = lastDays(Date.now());
  const [fromDay, setFromDay] = useState(init.from);
  const [toDay, setToDay] = useState(init.to);
  const [group, setGroup] = useState<FinanceGroup>('day');
  const [period, setPeriod] = useState<Period>(() => periodOf(init.from, init.to));
  const form = useSubmit(['from', 'to'], 'revenue');
  const csv = useSubmit([], 'revenue-csv');
  const q = { from: period.from_ms, to: period.to_ms, group };
  const fin = useApi(() => api.get<FinanceAnswer>('/admin/finance', q), [api, period.from_ms, period.to_ms, group]);

  const apply = () => {
    form.clear();
    try {
      setPeriod(periodOf(fromDay, toDay));
    } catch (e) {
      const m = (e as Error).message;
      form.setFieldError(m.startsWith('from') ? 'from' : 'to', m.replace(/^(from|to): /, ''));
    }
  };
  const download = () =>
    csv.run(async () => {
      const text = await api.text('/admin/reports/revenue.csv', q);
      saveText(csvFileName(period, group), text);
    });

  const series = fin.data ? financeSeries(fin.data) : [];
  const t = fin.data?.totals;
  const p = theme.palette;
  const axis = { stroke: p.text.secondary, fontSize: 12 };
  const tooltipStyle = { backgroundColor: p.background.paper, borderColor: p.divider, color: p.text.primary };

  return (
    <Page
      title="Revenue"
      actions={<Button variant="outlined" onClick={() => void download()} disabled={csv.busy}>{csv.busy ? 'Preparing…' : 'Download CSV'}</Button>}
    >
      <ErrorAlert error={csv.formError} />
      <Stack
        component="form"
        direction={{ xs: 'column', sm: 'row' }}
        spacing={1.5}
        sx={{ mb: 2, alignItems: { sm: 'flex-start' } }}
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <TextField {...form.fieldProps('from')} type="date" size="small" label="From (UTC)" value={fromDay} onChange={(e) => setFromDay(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField {...form.fieldProps('to')} type="date" size="small" label="To (UTC, included)" value={toDay} onChange={(e) => setToDay(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField select size="small" id="revenue-group" label="Group by" value={group} onChange={(e) => setGroup(e.target.value as FinanceGroup)} sx={{ minWidth: 130 }}>
          <MenuItem value="day">Day</MenuItem>
          <MenuItem value="week">Week</MenuItem>
          <MenuItem value="month">Month</MenuItem>
        </TextField>
        <Button type="submit" variant="contained">Show</Button>
      </Stack>
      <ErrorAlert error={fin.error} onRetry={fin.reload} />
      {fin.loading && !fin.data ? (
        <Loading />
      ) : fin.data && t ? (
        <>
          <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1.5, mb: 2 }} role="group" aria-label="Totals">
            <Total label="Customers paid" value={cpcText(t.gross)} />
            <Total label="Commission" value={cpcText(t.commission)} />
            <Total label="Provider income" value={cpcText(t.provider_income)} />
            <Total label="Payouts" value={cpcText(t.payouts)} />
            <Total label={`Payouts pending (${t.payouts_pending_count})`} value={cpcText(t.payouts_pending)} />
            <Total label="Rental minutes" value={String(t.minutes)} />
            <Total label="Treasury balance" value={cpcText(fin.data.treasury.balance, fin.data.treasury.balance_cpc)} />
          </Stack>
          {fin.data.rentals_truncated && <Typography variant="caption">Only the first {fin.data.rentals_counted} rentals are counted: narrow the period.</Typography>}
          {series.every((s) => s.minutes === 0 && s.payouts === 0) ? (
            <Empty>No rentals or payouts in this period.</Empty>
          ) : (
            <Stack spacing={2}>
              <Paper variant="outlined" sx={{ p: { xs: 1, sm: 2 } }}>
                <Typography variant="h6" component="h2" id="chart-revenue">Revenue (CPC)</Typography>
                <div role="img" aria-labelledby="chart-revenue" aria-describedby="chart-revenue-desc">
                  <ResponsiveContainer width="100%" height={280}>
                    <BarChart data={series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                      <CartesianGrid stroke={p.divider} strokeDasharray="3 3" />
                      <XAxis dataKey="period" tick={axis} stroke={p.divider} />
                      <YAxis tick={axis} stroke={p.divider} width={60} />
                      <Tooltip formatter={exact} contentStyle={tooltipStyle} />
                      <Legend />
                      <Bar dataKey="provider_income" name={NAMES.provider_income} stackId="gross" fill={p.primary.main} isAnimationActive={false} />
                      <Bar dataKey="commission" name={NAMES.commission} stackId="gross" fill={p.secondary.main} isAnimationActive={false} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
                <Typography id="chart-revenue-desc" variant="caption" sx={{ color: 'text.secondary' }}>
                  What customers paid per {group}: the provider's income and the platform's commission, stacked.
                </Typography>
              </Paper>
              <Paper variant="outlined" sx={{ p: { xs: 1, sm: 2 } }}>
                <Typography variant="h6" component="h2" id="chart-commission">Commission and payouts (CPC)</Typography>
                <div role="img" aria-labelledby="chart-commission">
                  <ResponsiveContainer width="100%" height={240}>
                    <LineChart data={series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                      <CartesianGrid stroke={p.divider} strokeDasharray="3 3" />
                      <XAxis dataKey="period" tick={axis} stroke={p.divider} />
                      <YAxis tick={axis} stroke={p.divider} width={60} />
                      <Tooltip formatter={exact} contentStyle={tooltipStyle} />
                      <Legend />
                      <Line type="monotone" dataKey="commission" name={NAMES.commission} stroke={p.secondary.main} dot={{ r: 2 }} isAnimationActive={false} />
                      <Line type="monotone" dataKey="payouts" name={NAMES.payouts} stroke={p.warning.main} dot={{ r: 2 }} isAnimationActive={false} />
                    </LineChart>
                  </ResponsiveContainer>
                </div>
              </Paper>
              <BucketTable series={series} />
            </Stack>
          )}
        </>
      ) : null}
    </Page>
  );
}
