// VanityPage.tsx — /vanity: order an address starting with cpc1 + a prefix, split-key
// (as iExec's VanityGen, but the worker never learns the key). The browser makes
// the key pair and keeps the secret key in memory only; the job carries the public
// key and the prefix; the worker's partial key x comes back on chain and the
// browser computes sk + x (mod n), derives the address and checks the prefix.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Alert, Box, Button, Link, Paper, Stack, Step, StepLabel, Stepper, TextField, Typography } from '@mui/material';
import { useBlockRefresh } from '../../lib/live';
import { saveText } from '../../lib/download';
import { useSession } from '../../api/session';
import { useApi } from '../../lib/useApi';
import { useSubmit } from '../../components/form';
import { CopyButton, ErrorAlert, Loading, Page } from '../../components/common';
import { cpcToUnits } from './jobSpec';
import { QuoteTable, useWallet } from './parts';
import {
  bytesToHex, completeVanity, expectedTries, generateKeyPair, hexToBytes, prefixError, ADDRESS_HRP, VANITY_MAX_PREFIX,
} from './vanity';
import { keyFileText, pendingOrderText, parsePendingOrder } from './vanityFiles';
import { acceptedResults } from './jobView';
import type { ConfirmAnswer, Draft, DraftCreated, JobLogs, QuoteAnswer } from './types';

interface Order {
  prefix: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  draftId: string;
}

interface Done {
  address: string;
  secretKey: Uint8Array;
}

function OrderForm({ onOrdered }: { onOrdered: (o: Order, resumed: boolean) => void }) {
  const { api } = useSession();
  const [prefix, setPrefix] = useState('');
  const [reward, setReward] = useState('0.1');
  const [deadline, setDeadline] = useState('200');
  const [resume, setResume] = useState('');
  const s = useSubmit(['contract.params.prefix', 'contract.reward', 'contract.deadline', 'contract.max_budget'], 'vanity');
  const r = useSubmit(['order'], 'resume');
  const live = prefix ? prefixError(prefix) : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    s.clear();
    const pe = prefixError(prefix);
    if (pe) return s.setFieldError('contract.params.prefix', pe);
    let units: number;
    try {
      units = cpcToUnits(reward);
      if (units < 1) throw new RangeError('more than 0');
    } catch (err) {
      return s.setFieldError('contract.reward', err instanceof Error ? err.message : 'an amount of CPC');
    }
    if (!/^[0-9]+$/.test(deadline.trim()) || Number(deadline) < 1 || Number(deadline) > 10000000)
      return s.setFieldError('contract.deadline', '1 to 10,000,000 blocks');
    const kp = generateKeyPair();
    const total = units + Math.floor(units / 10);
    const body = {
      kind: 'vanity',
      params: { pubkey: bytesToHex(kp.publicKey), prefix },
      tasks: 1,
      reward: units,
      deadline: Number(deadline),
      max_budget: total,
    };
    const d = await s.run(() => api.post<DraftCreated>('/marketplace/jobs', body));
    if (d) onOrdered({ prefix, secretKey: kp.secretKey, publicKey: kp.publicKey, draftId: d.id }, false);
    else kp.secretKey.fill(0);
  };

  const doResume = (e: FormEvent) => {
    e.preventDefault();
    r.clear();
    try {
      const o = parsePendingOrder(resume);
      onOrdered(o, true);
    } catch (err) {
      r.setFieldError('order', err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <Stack spacing={3}>
      <Paper variant="outlined" sx={{ p: 2 }} component="form" onSubmit={submit} noValidate aria-labelledby="order-title">
        <Typography id="order-title" variant="h6" component="h2" gutterBottom>Order an address</Typography>
        <Stack spacing={2} sx={{ maxWidth: 560 }}>
          <TextField {...s.fieldProps('contract.params.prefix', live ?? (prefix
            ? `about ${expectedTries(prefix).toLocaleString('en-US')} tries on average`
            : `1 to ${VANITY_MAX_PREFIX} of: qpzry9x8gf2tvdw0s3jn54khce6mua7l`))}
            error={!!s.fieldErrors['contract.params.prefix'] || !!live}
            label="Prefix" value={prefix} onChange={(e) => setPrefix(e.target.value.trim())}
            slotProps={{ input: { startAdornment: <Box component="span" sx={{ color: 'text.secondary', fontFamily: 'monospace' }}>{ADDRESS_HRP}1</Box> }, htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 16, style: { fontFamily: 'monospace' } } }} />
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <TextField {...s.fieldProps('contract.reward', 'paid to the worker that finds it; plus 10% commission')} label="Reward (CPC)"
              value={reward} onChange={(e) => setReward(e.target.value)} slotProps={{ htmlInput: { inputMode: 'decimal' } }} fullWidth />
            <TextField {...s.fieldProps('contract.deadline', 'unused escrow comes back after it')} label="Deadline (blocks)"
              value={deadline} onChange={(e) => setDeadline(e.target.value)} slotProps={{ htmlInput: { inputMode: 'numeric' } }} fullWidth />
          </Stack>
          <ErrorAlert error={s.formError} />
          <Typography variant="body2" color="text.secondary">
            Your browser makes a new key pair. Only the public key and the prefix are sent; the secret key stays in this
            tab (download it at the next step, or the order cannot be completed after a reload).
          </Typography>
          <Box><Button type="submit" variant="contained" disabled={s.busy || !!live}>Make a key and get a quote</Button></Box>
        </Stack>
      </Paper>
      <Paper variant="outlined" sx={{ p: 2 }} component="form" onSubmit={doResume} noValidate aria-labelledby="resume-title">
        <Typography id="resume-title" variant="h6" component="h2" gutterBottom>Resume an order</Typography>
        <Stack spacing={2} sx={{ maxWidth: 560 }}>
          <TextField {...r.fieldProps('order', 'paste the pending-order file you downloaded')} label="Pending order file" value={resume}
            onChange={(e) => setResume(e.target.value)} multiline minRows={3} slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }} />
          <Box><Button type="submit">Resume</Button></Box>
        </Stack>
      </Paper>
    </Stack>
  );
}

function KeyDownloads({ order }: { order: Order }) {
  return (
    <Alert severity="warning" sx={{ my: 2 }}>
      The secret key of this order exists only in this tab. Keep a copy until the address is delivered:{' '}
      <Button size="small" onClick={() => saveText(`vanity-order-${order.draftId.slice(0, 8)}.json`, pendingOrderText(order), 'text/plain')}>
        Download the pending order
      </Button>
    </Alert>
  );
}

function QuoteStep({ order, onConfirmed, onCancel }: { order: Order; onConfirmed: () => void; onCancel: () => void }) {
  const { api } = useSession();
  const path = `/marketplace/jobs/${encodeURIComponent(order.draftId)}`;
  const q = useApi(() => api.get<QuoteAnswer>(`${path}/quote`), [api, path]);
  const wallet = useWallet();
  const s = useSubmit([]);
  const confirm = async () => {
    const ok = await s.run(() => api.post<ConfirmAnswer>(`${path}/confirm`, {}));
    if (ok) onConfirmed();
  };
  const cancel = async () => {
    const ok = await s.run(() => api.post(`${path}/cancel`, {}));
    if (ok !== undefined) onCancel();
  };
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="vq-title">
      <Typography id="vq-title" variant="h6" component="h2" gutterBottom>Quote for {ADDRESS_HRP}1{order.prefix}…</Typography>
      <ErrorAlert error={q.error} onRetry={q.reload} />
      {q.data ? <QuoteTable quote={q.data.quote} /> : !q.error && <Loading label="Loading the quote…" />}
      {wallet.data && !wallet.data.custodial && (
        <Alert severity="info" sx={{ my: 1 }}>Your wallet is your own key: confirm with <code>cpc-cli job confirm {order.draftId} --from KEY</code>, then resume here.</Alert>
      )}
      <ErrorAlert error={s.formError} />
      <Stack direction="row" spacing={1} sx={{ mt: 2 }}>
        <Button variant="contained" onClick={confirm} disabled={s.busy || !q.data}>Confirm and pay</Button>
        <Button onClick={cancel} disabled={s.busy}>Cancel</Button>
      </Stack>
    </Paper>
  );
}

function WaitStep({ order, onResult, onUnconfirmed }: { order: Order; onResult: (d: Done) => void; onUnconfirmed: () => void }) {
  const { api } = useSession();
  const path = `/marketplace/jobs/${encodeURIComponent(order.draftId)}`;
  const draft = useApi(() => api.get<Draft>(path), [api, path]);
  const onChain = !!draft.data?.job;
  // the task record keeps no vanity result: the accepted SUBMIT_RESULT in the log has x
  const logs = useApi(() => (onChain ? api.get<JobLogs>(`${path}/logs`) : null), [api, path, onChain]);
  const [error, setError] = useState<string>();
  const finished = useRef(false);
  useBlockRefresh(() => {
    if (finished.current) return;
    draft.reload();
    if (onChain) logs.reload();
  }, 3000);
  useEffect(() => {
    if (finished.current || !logs.data) return;
    for (const [task, x] of acceptedResults(logs.data)) {
      try {
        const out = completeVanity(order.secretKey, hexToBytes(x), order.prefix);
        finished.current = true;
        onResult({ address: out.address, secretKey: out.secretKey });
        return;
      } catch (e) {
        setError(`task ${task}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }, [logs.data, order, onResult]);
  const d = draft.data;
  useEffect(() => {
    if (d?.status === 'draft') onUnconfirmed();
  }, [d?.status, onUnconfirmed]);
  // a completed job's result is read from its log: only a job that ended otherwise has none
  const ended = d?.job_status === 'cancelled' || d?.job_status === 'expired' || (d?.status === 'cancelled' && !d.job);
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="vw-title">
      <Typography id="vw-title" variant="h6" component="h2" gutterBottom>Searching for {ADDRESS_HRP}1{order.prefix}…</Typography>
      <ErrorAlert error={draft.error} onRetry={draft.reload} />
      <ErrorAlert error={logs.error} onRetry={logs.reload} />
      {error && <Alert severity="error">{error}</Alert>}
      {d?.tx?.status === 'failed' ? (
        <Alert severity="error">The job could not be created: {d.tx.error}</Alert>
      ) : ended ? (
        <Alert severity="warning">The job ended ({d?.job_status ?? d?.status}) without a result; its escrow went back to your wallet.</Alert>
      ) : (
        <Loading label={!d?.job ? 'Waiting for the job to reach a block…' : 'A worker is searching; this page updates with each block.'} />
      )}
      <Typography variant="body2">
        Job: <Link component={RouterLink} to={`/my/jobs/${encodeURIComponent(order.draftId)}`}>{order.draftId}</Link>
      </Typography>
    </Paper>
  );
}

function DoneStep({ done }: { done: Done }) {
  const hex = bytesToHex(done.secretKey);
  const [show, setShow] = useState(false);
  const file = `vanity-${done.address.slice(0, 12)}.key`;
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="vd-title">
      <Typography id="vd-title" variant="h6" component="h2" gutterBottom>Your address</Typography>
      <Typography sx={{ fontFamily: 'monospace', wordBreak: 'break-all', fontSize: 18 }}>
        <span data-testid="vanity-address">{done.address}</span> <CopyButton text={done.address} label="Copy the address" />
      </Typography>
      <Alert severity="success" sx={{ my: 2 }}>
        The key was checked here: sk + x gives this address, and it starts as ordered. Nobody else has it — not the
        worker, not the node. Save it now: it is gone when you leave this page.
      </Alert>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
        <Button variant="contained" onClick={() => saveText(file, keyFileText(hex), 'text/plain')}>Download the secret key</Button>
        <Button onClick={() => setShow((v) => !v)} aria-expanded={show}>{show ? 'Hide' : 'Show'} the secret key</Button>
      </Stack>
      {show && (
        <Typography sx={{ fontFamily: 'monospace', wordBreak: 'break-all', mt: 1 }} aria-label="Secret key">{hex}</Typography>
      )}
      <Typography variant="body2" sx={{ mt: 2 }}>
        Import it into the command-line wallet: <code>cpc-cli keys import NAME - &lt; {file}</code> (add <code>--encrypt</code> to
        protect it with a passphrase).
      </Typography>
    </Paper>
  );
}

export default function VanityPage() {
  const [order, setOrder] = useState<Order>();
  const [stage, setStage] = useState<'form' | 'quote' | 'wait' | 'done'>('form');
  const [done, setDone] = useState<Done>();
  // the key lives in this tab only: warn before it is thrown away
  useEffect(() => {
    if (!order || stage === 'form') return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [order, stage]);
  const steps = ['Prefix', 'Quote', 'Search', 'Address'];
  const active = { form: 0, quote: 1, wait: 2, done: steps.length }[stage];
  return (
    <Page title="Vanity address">
      <Typography variant="body2" sx={{ mb: 2 }}>
        Buy an address that starts with the letters you choose. Split-key: workers search with your public key only, so
        the address's secret key is known to your browser alone.
      </Typography>
      <Stepper activeStep={active} alternativeLabel sx={{ mb: 3 }} aria-label="Progress of the order">
        {steps.map((l) => <Step key={l}><StepLabel>{l}</StepLabel></Step>)}
      </Stepper>
      {stage !== 'form' && stage !== 'done' && order && <KeyDownloads order={order} />}
      {stage === 'form' && (
        <OrderForm onOrdered={(o, resumed) => { setOrder(o); setStage(resumed ? 'wait' : 'quote'); }} />
      )}
      {stage === 'quote' && order && (
        <QuoteStep order={order} onConfirmed={() => setStage('wait')} onCancel={() => { order.secretKey.fill(0); setOrder(undefined); setStage('form'); }} />
      )}
      {stage === 'wait' && order && (
        <WaitStep order={order} onUnconfirmed={() => setStage('quote')} onResult={(d) => { setDone(d); setStage('done'); }} />
      )}
      {stage === 'done' && done && <DoneStep done={done} />}
    </Page>
  );
}
