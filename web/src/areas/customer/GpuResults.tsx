// GpuResults.tsx — search results as cards (narrow screens, or by choice) or a table.
import { Link as RouterLink } from 'react-router-dom';
import {
  Box, Button, Card, CardActions, CardContent, Link, Stack, Table, TableBody, TableCell, TableContainer, TableHead,
  TableRow, Typography,
} from '@mui/material';
import { StatusDot } from '../../components/common';
import { formatCpc } from '../../lib/format';
import type { GpuServer } from './types';

/** Text for screen readers only. */
export const visuallyHidden = {
  border: 0, clip: 'rect(0 0 0 0)', height: '1px', width: '1px', margin: '-1px', overflow: 'hidden', padding: 0, position: 'absolute', whiteSpace: 'nowrap',
} as const;

export function gpuTitle(s: GpuServer): string {
  return `${s.gpu_count} × ${s.gpu_model}`;
}

export function placeOf(s: { country?: string; city?: string }): string {
  return [s.city, s.country].filter(Boolean).join(', ') || '—';
}

function RentButton({ s, onRent }: { s: GpuServer; onRent: (s: GpuServer) => void }) {
  const off = s.status === 'offline';
  return (
    <Button size="small" variant="contained" disabled={off} onClick={() => onRent(s)} aria-label={`Rent ${gpuTitle(s)} in ${placeOf(s)}`}
      title={off ? 'This server is offline: it cannot be rented now' : undefined}>
      Rent
    </Button>
  );
}

export function GpuCards({ servers, onRent }: { servers: GpuServer[]; onRent: (s: GpuServer) => void }) {
  return (
    <Box component="ul" aria-label="GPU servers" sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 1.5, gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))' }}>
      {servers.map((s) => (
        <Card component="li" key={s.id} variant="outlined">
          <CardContent sx={{ pb: 1 }}>
            <Stack direction="row" sx={{ justifyContent: 'space-between', alignItems: 'baseline', gap: 1 }}>
              <Typography variant="h6" component="h2">{gpuTitle(s)}</Typography>
              <StatusDot status={s.status} />
            </Stack>
            <Typography variant="body2" color="text.secondary">
              {s.vram_gb} GB VRAM per GPU · {s.ram_gb} GB RAM · {s.disk_gb} GB disk
            </Typography>
            {s.cpu && <Typography variant="body2" color="text.secondary" noWrap title={s.cpu}>{s.cpu}</Typography>}
            <Typography variant="body2">{placeOf(s)} · score {s.score}</Typography>
            <Typography variant="subtitle1" sx={{ mt: 1 }}>{formatCpc(s.price_per_hour)} / hour</Typography>
          </CardContent>
          <CardActions>
            <RentButton s={s} onRent={onRent} />
            <Button size="small" component={RouterLink} to={`/gpus/${s.id}`} aria-label={`Details of ${gpuTitle(s)} in ${placeOf(s)}`}>Details</Button>
          </CardActions>
        </Card>
      ))}
    </Box>
  );
}

export function GpuTable({ servers, onRent }: { servers: GpuServer[]; onRent: (s: GpuServer) => void }) {
  return (
    <TableContainer sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label="GPU servers">
        <TableHead>
          <TableRow>
            <TableCell>GPUs</TableCell>
            <TableCell align="right">VRAM</TableCell>
            <TableCell>CPU</TableCell>
            <TableCell align="right">RAM</TableCell>
            <TableCell align="right">Disk</TableCell>
            <TableCell>Location</TableCell>
            <TableCell align="right">Score</TableCell>
            <TableCell align="right">Price / hour</TableCell>
            <TableCell>Status</TableCell>
            <TableCell><Box component="span" sx={visuallyHidden}>Actions</Box></TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {servers.map((s) => (
            <TableRow key={s.id} hover>
              <TableCell><Link component={RouterLink} to={`/gpus/${s.id}`}>{gpuTitle(s)}</Link></TableCell>
              <TableCell align="right">{s.vram_gb} GB</TableCell>
              <TableCell sx={{ maxWidth: 220 }}><Typography variant="body2" noWrap title={s.cpu}>{s.cpu || '—'}</Typography></TableCell>
              <TableCell align="right">{s.ram_gb} GB</TableCell>
              <TableCell align="right">{s.disk_gb} GB</TableCell>
              <TableCell>{placeOf(s)}</TableCell>
              <TableCell align="right">{s.score}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{formatCpc(s.price_per_hour)}</TableCell>
              <TableCell><StatusDot status={s.status} /></TableCell>
              <TableCell><RentButton s={s} onRent={onRent} /></TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
