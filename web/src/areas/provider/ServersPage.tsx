// ServersPage.tsx — /cabinet/servers: the provider's servers with their live
// status (refetched on each SSE block, no timer), add / edit / delete, and the
// command that starts the worker of a server just bound.
import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import {
  Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Link, Paper, Stack,
  Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography,
} from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page, StatusDot } from '../../components/common';
import { shortHash } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from './liveRefresh';
import { ServerFormDialog, type Saved } from './ServerFormDialog';
import { WorkerCommand } from './WorkerCommand';
import { cpc } from './units';
import type { ProviderServer, ServerList } from './types';

function location(s: ProviderServer): string {
  return s.city ? `${s.city}, ${s.country}` : s.country;
}

function DeleteDialog({ server, onClose, onDeleted }: { server: ProviderServer; onClose: () => void; onDeleted: () => void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.del(`/provider/servers/${server.id}`);
      onDeleted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={onClose} aria-labelledby="delete-server-title">
      <DialogTitle id="delete-server-title">Delete this server?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {server.gpu_model} × {server.gpu_count} at {server.host} leaves the catalogue, with its load history;
          its rentals drop out of your earnings views. Money already paid stays in your wallet.
        </DialogContentText>
        <ErrorAlert error={error} />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button color="error" variant="contained" onClick={remove} disabled={busy}>
          Delete server
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export default function ServersPage() {
  const { api } = useSession();
  const list = useApi(() => api.get<ServerList>('/provider/servers'), [api]);
  useBlockRefresh(list.reload, 3000);
  const [editing, setEditing] = useState<ProviderServer | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ProviderServer | null>(null);
  const [justBound, setJustBound] = useState<Saved | null>(null);

  const saved = (s: Saved) => {
    setEditing(null);
    if (s.boundKey) setJustBound(s);
    list.reload();
  };
  const servers = list.data?.servers ?? [];
  const full = !!list.data && servers.length >= list.data.max_servers;

  return (
    <Page
      title="My servers"
      actions={
        <Button variant="contained" onClick={() => setEditing('new')} disabled={full}>
          Add server
        </Button>
      }
    >
      {justBound && (
        <Alert severity="success" onClose={() => setJustBound(null)} sx={{ mb: 2, '& .MuiAlert-message': { width: '100%', minWidth: 0 } }}>
          <Typography variant="subtitle2" component="h2" sx={{ mb: 1 }}>
            Worker {shortHash(justBound.server.worker ?? '')} is bound to the {justBound.server.gpu_model} server at {justBound.server.host}
          </Typography>
          <WorkerCommand keyName={justBound.boundKey} />
        </Alert>
      )}
      {list.error && <ErrorAlert error={list.error} onRetry={list.reload} />}
      {!list.data && list.loading ? (
        <Loading label="Loading your servers…" />
      ) : list.data && servers.length === 0 ? (
        <Empty>You have no servers yet. Add one, bind its worker, and start the worker to go online.</Empty>
      ) : list.data ? (
        <>
          <TableContainer component={Paper} sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="My servers">
              <TableHead>
                <TableRow>
                  <TableCell>Model</TableCell>
                  <TableCell align="right">GPUs</TableCell>
                  <TableCell align="right">VRAM</TableCell>
                  <TableCell align="right">Price / h</TableCell>
                  <TableCell>Location</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Worker</TableCell>
                  <TableCell align="right">Actions</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {servers.map((s) => (
                  <TableRow key={s.id} data-server-id={s.id}>
                    <TableCell>
                      <Link component={RouterLink} to={`/cabinet/servers/${s.id}`}>
                        {s.gpu_model}
                      </Link>
                      <Typography variant="caption" display="block" color="text.secondary">
                        {s.host}:{s.ssh_port_min}–{s.ssh_port_max}
                      </Typography>
                    </TableCell>
                    <TableCell align="right">{s.gpu_count}</TableCell>
                    <TableCell align="right">{s.vram_gb} GB</TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                      {cpc(s.price_per_hour, 4)}
                      <Typography variant="caption" display="block" color="text.secondary">
                        you get {cpc(BigInt(Math.trunc(s.price_per_gpu_hour)) * BigInt(s.gpu_count), 4)}
                      </Typography>
                    </TableCell>
                    <TableCell>{location(s)}</TableCell>
                    <TableCell>
                      <StatusDot status={s.status} />
                    </TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{s.worker ? shortHash(s.worker) : <Typography variant="body2" color="text.secondary">not bound</Typography>}</TableCell>
                    <TableCell align="right">
                      <Stack direction="row" spacing={0.5} sx={{ justifyContent: 'flex-end' }}>
                        <Button size="small" onClick={() => setEditing(s)} aria-label={`Edit server ${s.gpu_model} at ${s.host}`}>
                          Edit
                        </Button>
                        <Button size="small" color="error" onClick={() => setDeleting(s)} aria-label={`Delete server ${s.gpu_model} at ${s.host}`}>
                          Delete
                        </Button>
                      </Stack>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          <Box sx={{ mt: 1 }}>
            <Typography variant="body2" color="text.secondary">
              {servers.length} of at most {list.data.max_servers} servers. Status follows each worker's heartbeats and
              updates as blocks commit.
            </Typography>
          </Box>
        </>
      ) : null}
      {editing && <ServerFormDialog server={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} onSaved={saved} />}
      {deleting && (
        <DeleteDialog
          server={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            list.reload();
          }}
        />
      )}
    </Page>
  );
}
