// ApiKeysPage.tsx — /settings/api-keys: the account's API keys (GET /api-keys),
// a new key's secret shown once, and revoking (DELETE /api-keys/{id}).
import { useState } from 'react';
import {
  Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Paper, Stack, Table,
  TableBody, TableCell, TableContainer, TableHead, TableRow, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { CopyButton, Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { useSubmit } from '../../components/form';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { CreateApiKeyForm } from './CreateApiKeyForm';
import type { ApiKey, CreatedApiKey } from './types';

function NewKeySecret({ k, onDone }: { k: CreatedApiKey; onDone: () => void }) {
  return (
    <Alert severity="warning" role="alert" sx={{ mb: 2, '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}>
      <Typography variant="subtitle2" component="p">Key "{k.name}" created. Copy it now: it is shown only this once.</Typography>
      <Typography variant="body2" component="p" sx={{ mb: 1 }}>
        Anyone holding it acts as you within its scopes. Store it like a password; if it leaks, revoke it below.
      </Typography>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Box component="code" aria-label="The new API key" sx={{ fontFamily: 'monospace', wordBreak: 'break-all', flex: 1, minWidth: 0 }}>
          {k.key}
        </Box>
        <CopyButton text={k.key} label="Copy the API key" />
      </Stack>
      <Button sx={{ mt: 1 }} variant="outlined" color="inherit" size="small" onClick={onDone}>I copied it</Button>
    </Alert>
  );
}

export function ApiKeysPage() {
  const { api } = useSession();
  const keys = useApi(() => api.get<{ keys: ApiKey[] }>('/api-keys'), [api]);
  const [created, setCreated] = useState<CreatedApiKey>();
  const [revoking, setRevoking] = useState<ApiKey>();
  const del = useSubmit([], 'apikey-del');
  const rows = keys.data?.keys ?? [];

  const revoke = (k: ApiKey) =>
    void del.run(async () => {
      await api.del(`/api-keys/${k.id}`);
      if (created?.id === k.id) setCreated(undefined);
      keys.reload();
    });

  return (
    <Page title="API keys">
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        Keys let scripts and tools call the API as you (header <code>X-API-Key</code>). No key can create, list or revoke keys,
        change your password or 2FA, or send from your wallet.
      </Typography>
      {created && <NewKeySecret k={created} onDone={() => setCreated(undefined)} />}
      <Stack spacing={2}>
        <section aria-labelledby="apikey-list-title">
          <Typography id="apikey-list-title" variant="h6" component="h2" gutterBottom>Your keys</Typography>
          <ErrorAlert error={keys.error} onRetry={keys.reload} />
          <ErrorAlert error={del.formError} />
          {keys.loading && !keys.data ? (
            <Loading />
          ) : !keys.error && rows.length === 0 ? (
            <Empty>No API keys yet.</Empty>
          ) : rows.length > 0 && (
            <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
              <Table size="small" aria-label="API keys">
                <TableHead>
                  <TableRow>
                    <TableCell>Name</TableCell>
                    <TableCell>Key starts with</TableCell>
                    <TableCell>Scopes</TableCell>
                    <TableCell>Allowed IPs</TableCell>
                    <TableCell align="right">Per minute</TableCell>
                    <TableCell>Created</TableCell>
                    <TableCell>Actions</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {rows.map((k) => (
                    <TableRow key={k.id}>
                      <TableCell sx={{ wordBreak: 'break-word' }}>{k.name}</TableCell>
                      <TableCell sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{k.prefix}…</TableCell>
                      <TableCell>{k.scopes.join(', ')}</TableCell>
                      <TableCell sx={{ fontFamily: 'monospace' }}>{k.ip_whitelist.length ? k.ip_whitelist.join(', ') : 'any'}</TableCell>
                      <TableCell align="right">{k.rate_per_min}</TableCell>
                      <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTime(k.created_ms)}</TableCell>
                      <TableCell>
                        <Button size="small" color="error" onClick={() => setRevoking(k)} aria-label={`Revoke key ${k.name}`}>Revoke</Button>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
          )}
        </section>
        <CreateApiKeyForm onCreated={(k) => { setCreated(k); keys.reload(); }} />
      </Stack>
      <Dialog open={!!revoking} onClose={() => setRevoking(undefined)} aria-labelledby="apikey-revoke-title">
        <DialogTitle id="apikey-revoke-title">Revoke key "{revoking?.name}"?</DialogTitle>
        <DialogContent>
          <DialogContentText>It stops working at once, for every tool that uses it. This cannot be undone.</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRevoking(undefined)}>Cancel</Button>
          <Button color="error" disabled={del.busy} onClick={() => { if (revoking) revoke(revoking); setRevoking(undefined); }}>Revoke</Button>
        </DialogActions>
      </Dialog>
    </Page>
  );
}
