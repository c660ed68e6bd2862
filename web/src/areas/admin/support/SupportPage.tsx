// SupportPage.tsx — /console/support: the ticket desk. Pick a ticket, read
// its thread (GET /support/tickets/{id}: an admin reads any), reply and set
// its status.
import { useState } from 'react';
import {
  Box, Button, List, ListItemButton, ListItemText, MenuItem, Paper, Stack, TextField, Typography,
} from '@mui/material';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { useSubmit } from '../../../components/form';
import { formatTime } from '../../../lib/format';
import { Empty, ErrorAlert, Loading, Page } from '../../../components/common';
import type { Ticket, TicketsAnswer, TicketStatus, TicketThread } from '../types';
import { Pager } from '../Pager';

const LIMIT = 20;
const when = (iso: string) => formatTime(Date.parse(iso));

function Thread({ id, onChanged }: { id: number; onChanged: () => void }) {
  const { api } = useSession();
  const t = useApi(() => api.get<TicketThread>(`/support/tickets/${id}`, { limit: 100 }), [api, id]);
  const [body, setBody] = useState('');
  const reply = useSubmit(['body'], `ticket-${id}`);
  const status = useSubmit([], `ticket-status-${id}`);
  if (t.loading && !t.data) return <Loading />;
  if (t.error) return <ErrorAlert error={t.error} onRetry={t.reload} />;
  const tk = t.data!;
  const send = async () => {
    if (!body.trim()) return reply.setFieldError('body', 'write a reply');
    const r = await reply.run(() => api.post<Ticket>(`/admin/support/tickets/${id}/messages`, { body }));
    if (r) {
      setBody('');
      t.reload();
      onChanged();
    }
  };
  const setStatus = async (s: TicketStatus) => {
    const r = await status.run(() => api.post<Ticket>(`/admin/support/tickets/${id}/status`, { status: s }));
    if (r) {
      t.reload();
      onChanged();
    }
  };
  return (
    <Stack spacing={1.5}>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ justifyContent: 'space-between', alignItems: { sm: 'center' } }}>
        <Typography variant="h6" component="h2">#{tk.id} {tk.subject}</Typography>
        <TextField select size="small" id={`ticket-status-${id}`} label="Status" value={tk.status} onChange={(e) => void setStatus(e.target.value as TicketStatus)} disabled={status.busy} sx={{ minWidth: 130 }}>
          <MenuItem value="open">Open</MenuItem>
          <MenuItem value="pending">Pending</MenuItem>
          <MenuItem value="closed">Closed</MenuItem>
        </TextField>
      </Stack>
      <ErrorAlert error={status.formError} />
      <Typography variant="body2" sx={{ color: 'text.secondary' }}>From user #{tk.user_id}, opened {when(tk.created_at)}</Typography>
      <Stack spacing={1} component="ol" sx={{ listStyle: 'none', p: 0, m: 0 }} aria-label="Messages">
        {tk.thread.map((m) => (
          <Box component="li" key={m.id} sx={{ p: 1.5, borderRadius: 1, bgcolor: m.from === 'support' ? 'action.selected' : 'action.hover' }}>
            <Typography variant="caption" sx={{ color: 'text.secondary' }}>{m.from === 'support' ? 'Support' : `User #${m.author_id}`} · {when(m.created_at)}</Typography>
            <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{m.body}</Typography>
          </Box>
        ))}
      </Stack>
      {tk.status === 'closed' ? (
        <Typography variant="body2">This ticket is closed; reopen it to reply.</Typography>
      ) : (
        <Stack component="form" spacing={1} onSubmit={(e) => { e.preventDefault(); void send(); }}>
          <TextField {...reply.fieldProps('body')} label="Reply" multiline minRows={3} value={body} onChange={(e) => setBody(e.target.value)} slotProps={{ htmlInput: { maxLength: 8192 } }} />
          <ErrorAlert error={reply.formError} />
          <div><Button type="submit" variant="contained" disabled={reply.busy}>Send reply</Button></div>
        </Stack>
      )}
    </Stack>
  );
}

export default function SupportPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<string>('open');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const list = useApi(() => api.get<TicketsAnswer>('/admin/support/tickets', { status, limit: LIMIT, offset }), [api, status, offset]);
  return (
    <Page title="Support">
      <TextField select size="small" id="tickets-status" label="Tickets" value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }} sx={{ mb: 2, minWidth: 160 }} slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}>
        <MenuItem value="open">Open</MenuItem>
        <MenuItem value="pending">Pending (answered)</MenuItem>
        <MenuItem value="closed">Closed</MenuItem>
        <MenuItem value="">All</MenuItem>
      </TextField>
      <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: 'flex-start' }}>
        <Paper variant="outlined" sx={{ width: { xs: '100%', md: 360 }, flexShrink: 0 }}>
          <ErrorAlert error={list.error} onRetry={list.reload} />
          {list.loading && !list.data ? (
            <Loading />
          ) : list.data && list.data.tickets.length === 0 ? (
            <Empty>No tickets.</Empty>
          ) : list.data ? (
            <List dense aria-label="Tickets">
              {list.data.tickets.map((t) => (
                <ListItemButton key={t.id} selected={open === t.id} onClick={() => setOpen(t.id)}>
                  <ListItemText primary={`#${t.id} ${t.subject}`} secondary={`${t.status} · ${t.messages} messages · ${when(t.updated_at)}`} />
                </ListItemButton>
              ))}
            </List>
          ) : null}
          {list.data && <Box sx={{ px: 1, pb: 1 }}><Pager offset={offset} limit={LIMIT} shown={list.data.tickets.length} onOffset={setOffset} label="tickets" /></Box>}
        </Paper>
        <Paper variant="outlined" sx={{ p: 2, flex: 1, width: '100%', minWidth: 0 }}>
          {open === null ? <Empty>Pick a ticket to read it.</Empty> : <Thread key={open} id={open} onChanged={list.reload} />}
        </Paper>
      </Stack>
    </Page>
  );
}
