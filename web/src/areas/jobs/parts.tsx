// parts.tsx — small pieces the jobs pages share: a job's state in words, its
// progress bar, the quote table, and the signed-in user's wallet.
import { Box, Chip, LinearProgress, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { useApi } from '../../lib/useApi';
import { formatCpc } from '../../lib/format';
import type { Draft, DraftStatus, JobStatus, Quote, Wallet } from './types';

type ChipColor = 'default' | 'primary' | 'success' | 'warning' | 'error' | 'info';

/** What a job is doing, from the draft's status and the chain's. */
export function jobState(status: DraftStatus, d?: Pick<Draft, 'tx' | 'job_status'>): { label: string; color: ChipColor } {
  if (status === 'draft') return { label: 'draft (not confirmed)', color: 'default' };
  if (status === 'cancelled' && !d?.job_status) return { label: 'cancelled', color: 'default' };
  if (d?.tx?.status === 'failed') return { label: 'create failed', color: 'error' };
  if (d?.tx?.status === 'unknown') return { label: 'dropped', color: 'error' };
  const js: JobStatus | undefined = d?.job_status;
  if (!js) return { label: d?.tx?.status === 'pending' || !d ? 'confirming' : 'confirmed', color: 'info' };
  const colors: Record<JobStatus, ChipColor> = { active: 'primary', completed: 'success', cancelled: 'default', expired: 'warning' };
  return { label: js, color: colors[js] };
}

export function StateChip({ label, color }: { label: string; color: ChipColor }) {
  return <Chip size="small" label={label} color={color} variant={color === 'default' ? 'outlined' : 'filled'} />;
}

/** "3 / 10 tasks" with a bar; the bar's accessible name says the same. */
export function TaskProgress({ done, total, label }: { done: number; total: number; label?: string }) {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const text = `${done} / ${total} tasks done`;
  return (
    <Stack spacing={0.5} sx={{ minWidth: 140 }}>
      <LinearProgress variant="determinate" value={pct} aria-label={label ?? text} />
      <Typography variant="caption">{text}</Typography>
    </Stack>
  );
}

/** The estimate with every figure the node gave, and its steps in words. */
export function QuoteTable({ quote }: { quote: Quote }) {
  const rows: [string, string][] = [];
  if (quote.kind) rows.push(['Kind', quote.kind]);
  if (quote.type) rows.push(['Workload', `${quote.type}${quote.framework ? ` (${quote.framework})` : ''}`]);
  if (quote.job_type) rows.push(['Job type', quote.job_type]);
  rows.push(['Tasks', String(quote.tasks)]);
  if (quote.replication > 1) rows.push(['Replicas per task', String(quote.replication)]);
  if (quote.minutes_per_task !== undefined) rows.push(['Minutes per task', String(quote.minutes_per_task)]);
  if (quote.vram_gb !== undefined) rows.push(['VRAM need', `${quote.vram_gb} GB`]);
  if (quote.price_per_gpu_hour !== undefined) rows.push(['Price per GPU-hour', formatCpc(quote.price_per_gpu_hour)]);
  if (quote.priority) rows.push(['Priority', `${quote.priority}${quote.priority_multiplier ? ` (× ${quote.priority_multiplier})` : ''}`]);
  rows.push(['Reward per task', formatCpc(quote.reward_per_task)]);
  rows.push(['Budget', formatCpc(quote.budget)]);
  rows.push(['Commission (10%)', formatCpc(quote.commission)]);
  rows.push(['Total', formatCpc(quote.total)]);
  rows.push(['Your maximum', formatCpc(quote.max_budget)]);
  if (quote.deadline_blocks !== undefined) rows.push(['Deadline', `${quote.deadline_blocks} blocks`]);
  return (
    <Box>
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Quote">
          <TableBody>
            {rows.map(([k, v]) => (
              <TableRow key={k}>
                <TableCell component="th" scope="row">{k}</TableCell>
                <TableCell sx={k === 'Total' ? { fontWeight: 'bold' } : undefined}>{v}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      <Typography variant="body2" sx={{ mt: 1, color: 'text.secondary' }}>{quote.rule}</Typography>
      {quote.steps && (
        <Box component="ol" sx={{ pl: 3, my: 1 }}>
          {quote.steps.map((s) => (
            <Typography component="li" variant="body2" key={s}>{s}</Typography>
          ))}
        </Box>
      )}
    </Box>
  );
}

/** The signed-in user's wallet (GET /me/wallet): the address that owns their drafts. */
export function useWallet() {
  const { api } = useSession();
  return useApi(() => api.get<Wallet>('/me/wallet'), [api]);
}
