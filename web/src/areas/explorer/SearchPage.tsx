// SearchPage.tsx — /explorer/search?q=: what the top bar's search could not
// place (lib/search.ts jumps straight to block, tx and account pages). Says
// what was searched and why nothing matched; a task id (UUID) is looked up.
import { useState, type FormEvent } from 'react';
import { Link as RouterLink, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Box, Button, Link, TextField } from '@mui/material';
import { useSession } from '../../api/session';
import { ApiError } from '../../api/client';
import { ErrorAlert, Loading, Page } from '../../components/common';
import { searchTarget } from '../../lib/search';
import { useApi } from '../../lib/useApi';
import { JobLink, Mono } from './links';
import { classifyQuery } from './searchExplain';
import type { Task } from './types';

function TaskLookup({ id }: { id: string }) {
  const { api } = useSession();
  const task = useApi(() => api.get<Task>(`/market/task/${id}`), [api, id]);
  if (task.loading && !task.data) return <Loading label="Looking for a task with this id…" />;
  if (task.error instanceof ApiError && task.error.status === 404) {
    return <Alert severity="info">It looks like a task id (a UUID), but no task has it: no task record, and no live lease on it.</Alert>;
  }
  if (task.error) return <ErrorAlert error={task.error} onRetry={task.reload} />;
  const t = task.data;
  return t ? (
    <Alert severity="success">
      Task {t.index} ({t.status}) of job <JobLink id={t.job_id} />. <Link component={RouterLink} to={`/explorer/job/${t.job_id}`}>Open the job</Link> to see its verdicts.
    </Alert>
  ) : null;
}

export default function SearchPage() {
  const [params] = useSearchParams();
  const q = params.get('q') ?? '';
  const nav = useNavigate();
  const [text, setText] = useState(q);
  const c = classifyQuery(q, searchTarget);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    nav(`/explorer/search?q=${encodeURIComponent(text.trim())}`);
  };
  if (c.kind === 'placed') return <Navigate to={c.to} replace />;
  return (
    <Page title="Search">
      <Box component="form" role="search" aria-label="Search the chain" onSubmit={submit}
        sx={{ display: 'flex', gap: 1, flexDirection: { xs: 'column', sm: 'row' }, mb: 2 }}>
        <TextField size="small" label="Address, hash, height or task id" value={text} onChange={(e) => setText(e.target.value)} sx={{ flex: 1 }} />
        <Button type="submit" variant="contained">Search</Button>
      </Box>
      {c.kind === 'empty' ? (
        <Alert severity="info">Type an address (cpc1…), a transaction, block or job hash (64 hexadecimal characters), a block height, or a task id.</Alert>
      ) : (
        <>
          <Box sx={{ mb: 1 }}>You searched for <Mono>{q}</Mono>.</Box>
          {c.kind === 'task' ? <TaskLookup id={c.id} /> : <Alert severity="info">Nothing matched. {c.reason}</Alert>}
        </>
      )}
    </Page>
  );
}
