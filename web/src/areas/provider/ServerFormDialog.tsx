// ServerFormDialog.tsx — add or edit a server, and bind its worker.
// The node validates every field; its message goes next to the field it names
// (useSubmit). A worker key given here signs the binding in the page (see
// workerKey.ts). A new server whose binding the node refuses is deleted again,
// as `cpc-cli server add --worker-key` does, so a failed add leaves nothing.
import { useState, type ChangeEvent, type FormEvent } from 'react';
import {
  Box, Button, Checkbox, Dialog, DialogActions, DialogContent, DialogTitle, FormControlLabel, MenuItem,
  Stack, TextField, Typography,
} from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';
import { GPU_MODELS } from './models';
import { emptyServerForm, FieldError, SERVER_FIELDS, serverBody, serverToForm, type ServerField, type ServerForm } from './serverBody';
import { parseWorkerKey, signBinding, WorkerKeyError, type WorkerKey } from './workerKey';
import type { ProviderServer, WorkerBinding } from './types';

const FORM_FIELDS = [...SERVER_FIELDS, 'worker'] as const;

const LABELS: Record<ServerField, string> = {
  gpu_model: 'GPU model', gpu_count: 'GPUs', vram_gb: 'VRAM per GPU (GB)', cuda_cores: 'CUDA cores (optional)',
  cpu: 'CPU (optional)', ram_gb: 'RAM (GB)', disk_gb: 'Disk (GB)', host: 'Host (name or IP customers reach)',
  ssh_port_min: 'First SSH port', ssh_port_max: 'Last SSH port', country: 'Country (ISO code, e.g. DE)',
  city: 'City (optional)', price_per_gpu_hour: 'Your price per GPU-hour (CPC)',
};
const HELP: Partial<Record<ServerField, string>> = {
  ssh_port_min: 'Each rental gets one port of the range (at most 1000 ports).',
  price_per_gpu_hour: 'What you receive; customers pay it plus the platform commission.',
};

/** A binding error from the node, shown on the worker field. */
function onWorkerField(e: unknown): unknown {
  if (e instanceof ApiError) return new ApiError(e.status, e.code, e.message, 'worker');
  return e;
}

export interface Saved {
  server: ProviderServer;
  /** the name of the worker key just bound, if one was */
  boundKey?: string;
}

export function ServerFormDialog({ server, onClose, onSaved }: { server?: ProviderServer; onClose: () => void; onSaved: (s: Saved) => void }) {
  const { api, me } = useSession();
  const before = server ? serverToForm(server) : undefined;
  const [form, setForm] = useState<ServerForm>(before ?? emptyServerForm());
  const [keyText, setKeyText] = useState('');
  const [unbind, setUnbind] = useState(false);
  const sub = useSubmit(FORM_FIELDS, server ? 'edit-server' : 'add-server');
  const set = (f: ServerField) => (e: ChangeEvent<HTMLInputElement>) => setForm((v) => ({ ...v, [f]: e.target.value }));

  const loadKeyFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > 64 * 1024) return sub.setFieldError('worker', 'a keyring file is a small JSON file; this one is too large');
    setKeyText(await file.text());
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    sub.clear();
    let body: Record<string, unknown>;
    let key: WorkerKey | undefined;
    try {
      body = serverBody(form, before);
      if (keyText.trim()) key = parseWorkerKey(keyText);
    } catch (e) {
      if (e instanceof FieldError) sub.setFieldError(e.field, e.message);
      else if (e instanceof WorkerKeyError) sub.setFieldError('worker', e.message);
      else throw e;
      return;
    }
    if (!me) return;
    const bind = (id: string): WorkerBinding | null | undefined => (key ? signBinding(key, id, me.id) : unbind ? null : undefined);
    const saved = await sub.run(async () => {
      if (!server) {
        let s = await api.post<ProviderServer>('/provider/servers', body);
        const worker = bind(s.id);
        if (worker) {
          try {
            s = await api.put<ProviderServer>(`/provider/servers/${s.id}`, { worker });
          } catch (e) {
            await api.del(`/provider/servers/${s.id}`).catch(() => undefined);
            throw onWorkerField(e);
          }
        }
        return s;
      }
      const worker = bind(server.id);
      if (worker !== undefined) body.worker = worker;
      if (Object.keys(body).length === 0) return server;
      try {
        return await api.put<ProviderServer>(`/provider/servers/${server.id}`, body);
      } catch (e) {
        throw e instanceof ApiError && e.code !== 'not_found' && /worker|signature|pubkey|high_s/.test(e.code) ? onWorkerField(e) : e;
      }
    });
    if (saved) onSaved({ server: saved, boundKey: key?.name });
  };

  const title = server ? `Edit ${server.gpu_model} server` : 'Add a server';
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="md" aria-labelledby="server-form-title" scroll="body">
      <form onSubmit={submit} noValidate>
        <DialogTitle id="server-form-title">{title}</DialogTitle>
        <DialogContent>
          <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' }, gap: 2, pt: 1 }}>
            <TextField select label={LABELS.gpu_model} value={form.gpu_model} onChange={set('gpu_model')} {...sub.fieldProps('gpu_model')}>
              {GPU_MODELS.map((m) => (
                <MenuItem key={m} value={m}>{m}</MenuItem>
              ))}
            </TextField>
            {SERVER_FIELDS.filter((f) => f !== 'gpu_model').map((f) => (
              <TextField
                key={f}
                label={LABELS[f]}
                value={form[f]}
                onChange={set(f)}
                required={!['cuda_cores', 'cpu', 'city'].includes(f)}
                slotProps={{ htmlInput: /port|count|_gb|cores/.test(f) ? { inputMode: 'numeric' } : f === 'price_per_gpu_hour' ? { inputMode: 'decimal' } : {} }}
                {...sub.fieldProps(f, HELP[f])}
              />
            ))}
          </Box>
          <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
            Worker
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {server?.worker ? `Bound to ${server.worker}. ` : 'No worker bound yet. '}
            To bind the cpc-worker that runs on this machine, give its keyring file (HOME/keyring/NAME.json, made by
            cpc-worker init). The key signs the binding here in your browser; only its address, public key and signature
            are sent.
          </Typography>
          <Stack spacing={1}>
            <TextField
              label="Worker key file"
              multiline
              minRows={2}
              maxRows={6}
              value={keyText}
              onChange={(e) => setKeyText(e.target.value)}
              placeholder='{"name":"worker","address":"cpc1…","pubkey":"…","encrypted":false,"seckey":"…"}'
              slotProps={{ htmlInput: { spellCheck: false, autoComplete: 'off', style: { fontFamily: 'monospace', fontSize: 13 } } }}
              {...sub.fieldProps('worker', 'Paste the file, or choose it below. Leave empty to keep the binding as it is.')}
            />
            <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ alignItems: { sm: 'center' } }}>
              <Button component="label" variant="outlined" size="small">
                Choose key file…
                <input type="file" accept=".json,application/json" hidden onChange={loadKeyFile} aria-label="Worker key file to load" />
              </Button>
              {server?.worker && (
                <FormControlLabel
                  control={<Checkbox checked={unbind} onChange={(e) => setUnbind(e.target.checked)} disabled={!!keyText.trim()} />}
                  label="Unbind the current worker"
                />
              )}
            </Stack>
          </Stack>
          <ErrorAlert error={sub.formError} />
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={sub.busy}>
            {server ? 'Save' : 'Add server'}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
