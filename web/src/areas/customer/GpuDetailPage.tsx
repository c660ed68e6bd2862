// GpuDetailPage.tsx — /gpus/:id: one server of the catalogue (GET /market/gpu/{id}) and its Rent button.
import { useState } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { Alert, Button, Link, Table, TableBody, TableCell, TableRow } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading, Page, StatusDot } from '../../components/common';
import { formatCpc } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { gpuTitle, placeOf } from './GpuResults';
import { RentDialog } from './RentDialog';
import type { GpuServer } from './types';

export default function GpuDetailPage() {
  const { id = '' } = useParams();
  const { api, me, loading: sessionLoading } = useSession();
  const s = useApi(() => (me ? api.get<GpuServer>(`/market/gpu/${encodeURIComponent(id)}`) : null), [id, me?.id]);
  const [renting, setRenting] = useState(false);
  const d = s.data;

  if (!me && !sessionLoading)
    return (
      <Page title="GPU server">
        <Alert severity="info">
          <Link component={RouterLink} to={`/signin?next=${encodeURIComponent(`/gpus/${id}`)}`}>Sign in</Link> to see this server and rent it.
        </Alert>
      </Page>
    );
  return (
    <Page title={d ? gpuTitle(d) : 'GPU server'}
      actions={d && <Button variant="contained" disabled={d.status === 'offline'} onClick={() => setRenting(true)}>Rent this server</Button>}>
      <Link component={RouterLink} to="/gpus">← Back to the search</Link>
      <ErrorAlert error={s.error} onRetry={s.reload} />
      {s.loading && !d && <Loading />}
      {d && (
        <Table size="small" aria-label="Server details" sx={{ maxWidth: 640, mt: 1 }}>
          <TableBody>
            <TableRow><TableCell component="th" scope="row">Status</TableCell><TableCell><StatusDot status={d.status} /></TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">Price</TableCell><TableCell>{formatCpc(d.price_per_hour)} per hour (whole server, commission included)</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">GPUs</TableCell><TableCell>{gpuTitle(d)}, {d.vram_gb} GB VRAM each{d.cuda_cores ? `, ${d.cuda_cores} CUDA cores` : ''}</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">Score</TableCell><TableCell>{d.score} (RTX 3090 = 100 per GPU)</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">CPU</TableCell><TableCell>{d.cpu || '—'}</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">Memory</TableCell><TableCell>{d.ram_gb} GB RAM, {d.disk_gb} GB disk</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">Location</TableCell><TableCell>{placeOf(d)}</TableCell></TableRow>
            <TableRow><TableCell component="th" scope="row">Server id</TableCell><TableCell sx={{ overflowWrap: 'anywhere' }}>{d.id}</TableCell></TableRow>
          </TableBody>
        </Table>
      )}
      <RentDialog server={renting ? d ?? null : null} onClose={() => setRenting(false)} />
    </Page>
  );
}
