// CreateJobPage.tsx — /my/jobs/new: a job from the form or from pasted JSON.
// POST /marketplace/jobs makes a draft (nothing paid), the page then shows its
// quote (GET /marketplace/jobs/{id}/quote); Confirm posts .../confirm (the node
// signs the JOB_CREATE with the custodial wallet) and Cancel drops the draft.
import { useState, type FormEvent } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router-dom';
import {
  Alert, Box, Button, Link, MenuItem, Paper, Stack, Tab, Tabs, TextField, Typography,
} from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { useSubmit } from '../../components/form';
import { ErrorAlert, Loading, Page } from '../../components/common';
import { useApi } from '../../lib/useApi';
import { formatCpc } from '../../lib/format';
import { buildJobBody, initialForm, type FormKind, type JobForm } from './jobForm';
import { parseJobSpec, WORKLOAD_TYPES } from './jobSpec';
import { QuoteTable, useWallet } from './parts';
import type { ConfirmAnswer, DraftCreated, QuoteAnswer } from './types';

const FORM_FIELDS = [
  'contract.kind', 'contract.params', 'contract.params.bits', 'contract.params.m', 'contract.params.k', 'contract.params.n',
  'contract.params.challenges', 'contract.params.app', 'contract.params.inputs', 'contract.params.timeout_s',
  'contract.params.memory_mb', 'contract.replication', 'contract.tasks', 'contract.reward', 'contract.deadline',
  'contract.priority', 'contract.max_budget', 'request.type', 'request.framework', 'request.dataset_size',
  'request.model_params', 'request.priority', 'request.max_budget', 'request.replication',
] as const;

const KIND_LABELS: Record<FormKind, string> = {
  hashpow: 'hashpow — proof-of-work search',
  matmul: 'matmul — verified matrix multiply',
  exec: 'exec — your program, replicated',
  workload: 'workload — sized and priced by the node',
};

/** The "over max_budget" answer names the field only in words: put it on the field. */
function withBudgetField(e: unknown, field: string): unknown {
  if (e instanceof ApiError && !e.field && /exceeds max_budget/.test(e.message))
    return new ApiError(e.status, e.code, e.message, field);
  return e;
}

function KindFields({ f, set, props }: {
  f: JobForm;
  set: (p: Partial<JobForm>) => void;
  props: ReturnType<typeof useSubmit>['fieldProps'];
}) {
  const t = (name: keyof JobForm, path: string, label: string, help?: string, extra: Record<string, unknown> = {}) => (
    <TextField {...props(path, help)} label={label} value={f[name]} onChange={(e) => set({ [name]: e.target.value } as Partial<JobForm>)}
      fullWidth {...extra} />
  );
  const P = 'contract.params';
  if (f.kind === 'workload')
    return (
      <>
        <TextField {...props('request.type')} select label="Workload" value={f.type} onChange={(e) => set({ type: e.target.value })} fullWidth>
          {WORKLOAD_TYPES.map((w) => <MenuItem key={w} value={w}>{w}</MenuItem>)}
        </TextField>
        {t('framework', 'request.framework', 'Framework', 'e.g. pytorch; 1 to 32 of A-Z a-z 0-9 . _ + -')}
        {t('dataset_size', 'request.dataset_size', 'Dataset size', 'e.g. 500GB, 1.5TB, 10GiB')}
        {t('model_params', 'request.model_params', 'Model parameters (optional)', 'e.g. 70B, 350M')}
        {t('replication', 'request.replication', 'Replicas per task', '1 to 9', { inputMode: 'numeric' })}
        {t('max_budget', 'request.max_budget', 'Most you accept to pay (CPC)', 'commission included', { inputMode: 'decimal' })}
      </>
    );
  return (
    <>
      {f.kind === 'hashpow' && t('bits', `${P}.bits`, 'Difficulty (leading zero bits)', '1 to 64; each bit doubles the work', { inputMode: 'numeric' })}
      {f.kind === 'matmul' && (
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
          {t('m', `${P}.m`, 'Rows of A (m)', '1 to 16384', { inputMode: 'numeric' })}
          {t('k', `${P}.k`, 'Columns of A (k)', '1 to 16384', { inputMode: 'numeric' })}
          {t('n', `${P}.n`, 'Columns of B (n)', '1 to 16384', { inputMode: 'numeric' })}
          {t('challenges', `${P}.challenges`, 'Rows checked', 'default min(m, 16)', { inputMode: 'numeric' })}
        </Stack>
      )}
      {f.kind === 'exec' && (
        <>
          {t('app', `${P}.app`, 'App blob SHA-256', 'upload it first: cpc-cli job upload FILE --from KEY')}
          {t('inputs', `${P}.inputs`, 'Input blob SHA-256s (optional)', 'up to 8, separated by spaces or commas')}
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            {t('timeout_s', `${P}.timeout_s`, 'Timeout (s)', '1 to 86400', { inputMode: 'numeric' })}
            {t('memory_mb', `${P}.memory_mb`, 'Memory (MB)', undefined, { inputMode: 'numeric' })}
            {t('replication', 'contract.replication', 'Replicas per task', '1 to 9: a majority decides', { inputMode: 'numeric' })}
          </Stack>
        </>
      )}
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
        {t('tasks', 'contract.tasks', 'Tasks', '1 to 100000', { inputMode: 'numeric' })}
        {t('reward', 'contract.reward', 'Reward per task (CPC)', undefined, { inputMode: 'decimal' })}
        {t('deadline', 'contract.deadline', 'Deadline (blocks)', 'from the block that creates the job', { inputMode: 'numeric' })}
      </Stack>
      {t('max_budget', 'contract.max_budget', 'Most you accept to pay (CPC, optional)', 'empty: exactly the budget plus 10% commission', { inputMode: 'decimal' })}
    </>
  );
}

function DraftStep({ draft, onDone }: { draft: DraftCreated; onDone: () => void }) {
  const { api } = useSession();
  const nav = useNavigate();
  const wallet = useWallet();
  const q = useApi(() => api.get<QuoteAnswer>(`/marketplace/jobs/${encodeURIComponent(draft.id)}/quote`), [api, draft.id]);
  const quote = q.data;
  const qError = q.error;
  const action = useSubmit([]);
  const confirm = () =>
    action.run(async () => {
      const r = await api.post<ConfirmAnswer>(`/marketplace/jobs/${encodeURIComponent(draft.id)}/confirm`, {});
      nav(`/my/jobs/${encodeURIComponent(r.id)}`);
    });
  const cancel = () =>
    action.run(async () => {
      await api.post(`/marketplace/jobs/${encodeURIComponent(draft.id)}/cancel`, {});
      onDone();
    });
  const selfCustody = wallet.data && !wallet.data.custodial;
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="quote-title">
      <Typography id="quote-title" variant="h6" component="h2" gutterBottom>Quote for draft {draft.id}</Typography>
      <ErrorAlert error={qError} />
      {quote ? <QuoteTable quote={quote.quote} /> : !qError && <Loading label="Loading the quote…" />}
      {wallet.data && (
        <Typography variant="body2" sx={{ my: 1 }}>
          Paid from your wallet {wallet.data.address} (balance {formatBalance(wallet.data.balance)}). Nothing is paid until you confirm;
          what the job does not use comes back when it ends.
        </Typography>
      )}
      {selfCustody && (
        <Alert severity="info" sx={{ my: 1 }}>
          Your wallet is your own key: confirm with <code>cpc-cli job confirm {draft.id} --from KEY</code>.
        </Alert>
      )}
      <ErrorAlert error={action.formError} />
      <Stack direction="row" spacing={1} sx={{ mt: 2 }}>
        <Button variant="contained" onClick={confirm} disabled={action.busy || !quote || !!selfCustody}>Confirm and pay</Button>
        <Button onClick={cancel} disabled={action.busy}>Cancel draft</Button>
      </Stack>
    </Paper>
  );
}

function formatBalance(b: number | string): string {
  try {
    return formatCpc(b);
  } catch {
    return String(b);
  }
}

export default function CreateJobPage() {
  const { api } = useSession();
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const [f, setF] = useState<JobForm>(initialForm);
  const [json, setJson] = useState('');
  const [draft, setDraft] = useState<DraftCreated>();
  const form = useSubmit(FORM_FIELDS, 'job');
  const pasted = useSubmit(['json'], 'spec');
  const set = (p: Partial<JobForm>) => setF((x) => ({ ...x, ...p }));

  const submitForm = async (e: FormEvent) => {
    e.preventDefault();
    form.clear();
    const built = buildJobBody(f);
    if (!built.body) {
      for (const [k, v] of Object.entries(built.errors)) {
        const field = (FORM_FIELDS as readonly string[]).includes(k) ? k : k.startsWith('contract.params') ? 'contract.params' : k;
        form.setFieldError(field, v);
      }
      return;
    }
    const body = built.body;
    const budgetField = f.kind === 'workload' ? 'request.max_budget' : 'contract.max_budget';
    const d = await form.run(async () => {
      try {
        return await api.post<DraftCreated>('/marketplace/jobs', body);
      } catch (err) {
        throw withBudgetField(err, budgetField);
      }
    });
    if (d) setDraft(d);
  };

  const submitJson = async (e: FormEvent) => {
    e.preventDefault();
    pasted.clear();
    const parsed = parseJobSpec(json);
    if (!parsed.body) {
      pasted.setFieldError('json', Object.entries(parsed.errors).map(([k, v]) => (k === 'json' ? v : `${k}: ${v}`)).join('; '));
      return;
    }
    const body = parsed.body;
    const d = await pasted.run(async () => {
      try {
        return await api.post<DraftCreated>('/marketplace/jobs', body);
      } catch (err) {
        if (err instanceof ApiError && err.status === 400) throw new ApiError(err.status, err.code, err.message, 'json');
        throw err;
      }
    });
    if (d) setDraft(d);
  };

  const toJson = () => {
    const built = buildJobBody(f);
    if (built.body) setJson(JSON.stringify(built.body, null, 2));
    setMode('json');
  };

  if (draft)
    return (
      <Page title="New job">
        <DraftStep draft={draft} onDone={() => setDraft(undefined)} />
      </Page>
    );

  return (
    <Page title="New job">
      <Typography variant="body2" sx={{ mb: 2 }}>
        Describe the work; the node prices it and shows you the quote before anything is paid. For a vanity address use
        the <Link component={RouterLink} to="/vanity">vanity page</Link>: your secret key stays in your browser.
      </Typography>
      <Tabs value={mode} onChange={(_, v: 'form' | 'json') => (v === 'json' ? toJson() : setMode(v))} aria-label="How to describe the job" sx={{ mb: 2 }}>
        <Tab value="form" label="Form" id="tab-form" aria-controls="panel-form" />
        <Tab value="json" label="JSON" id="tab-json" aria-controls="panel-json" />
      </Tabs>
      {mode === 'form' ? (
        <Box component="form" onSubmit={submitForm} noValidate id="panel-form" role="tabpanel" aria-labelledby="tab-form" sx={{ maxWidth: 760 }}>
          <Stack spacing={2}>
            <TextField {...form.fieldProps('contract.kind')} select label="Job kind" value={f.kind}
              onChange={(e) => { form.clear(); set({ kind: e.target.value as FormKind }); }} fullWidth>
              {(Object.keys(KIND_LABELS) as FormKind[]).map((k) => <MenuItem key={k} value={k}>{KIND_LABELS[k]}</MenuItem>)}
            </TextField>
            {form.fieldErrors['contract.params'] && <Alert severity="error">{form.fieldErrors['contract.params']}</Alert>}
            <KindFields f={f} set={set} props={form.fieldProps} />
            <TextField {...form.fieldProps(f.kind === 'workload' ? 'request.priority' : 'contract.priority')} select label="Priority"
              value={f.priority} onChange={(e) => set({ priority: e.target.value as JobForm['priority'] })} fullWidth>
              <MenuItem value="low">low</MenuItem>
              <MenuItem value="normal">normal</MenuItem>
              <MenuItem value="high">high</MenuItem>
            </TextField>
            <ErrorAlert error={form.formError} />
            <Box>
              <Button type="submit" variant="contained" disabled={form.busy}>Get a quote</Button>
            </Box>
          </Stack>
        </Box>
      ) : (
        <Box component="form" onSubmit={submitJson} noValidate id="panel-json" role="tabpanel" aria-labelledby="tab-json" sx={{ maxWidth: 760 }}>
          <Stack spacing={2}>
            <TextField {...pasted.fieldProps('json', 'a kind-level contract {"kind":…} or the high-level form {"type":…}')}
              label="Job specification (JSON)" value={json} onChange={(e) => setJson(e.target.value)} multiline minRows={10} fullWidth
              slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }} />
            <ErrorAlert error={pasted.formError} />
            <Box>
              <Button type="submit" variant="contained" disabled={pasted.busy}>Get a quote</Button>
            </Box>
          </Stack>
        </Box>
      )}
    </Page>
  );
}
