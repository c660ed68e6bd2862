// ConnectionCard.tsx — how to reach a rental: GET /rentals/{id}/connection
// (host, port, user, the ssh command), each with a copy button.
import { Alert, Box, Card, CardContent, Stack, Typography } from '@mui/material';
import { ApiError } from '../../api/client';
import { useSession } from '../../api/session';
import { CopyButton, ErrorAlert, Loading } from '../../components/common';
import { useApi } from '../../lib/useApi';
import type { Connection } from './types';

function Row({ label, value }: { label: string; value: string }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', minWidth: 0 }}>
      <Typography component="dt" variant="body2" sx={{ width: 90, flexShrink: 0, color: 'text.secondary' }}>{label}</Typography>
      <Box component="dd" sx={{ m: 0, fontFamily: 'monospace', overflowWrap: 'anywhere', minWidth: 0 }} aria-label={label}>{value}</Box>
      <CopyButton text={value} label={`Copy the ${label.toLowerCase()}`} />
    </Stack>
  );
}

export function ConnectionCard({ id, version }: { id: string; version: string }) {
  const { api } = useSession();
  const c = useApi(() => api.get<Connection>(`/rentals/${id}/connection`), [id, version]);
  const gone = c.error instanceof ApiError && c.error.status === 410;
  return (
    <Card variant="outlined" component="section" aria-labelledby="conn-title">
      <CardContent>
        <Typography id="conn-title" variant="h6" component="h2" gutterBottom>Connection</Typography>
        {gone ? (
          <Alert severity="warning">The provider removed this server: there is nothing to connect to.</Alert>
        ) : (
          <ErrorAlert error={c.error} onRetry={c.reload} />
        )}
        {c.loading && !c.data && <Loading />}
        {c.data && (
          <>
            <Box component="dl" sx={{ m: 0, display: 'grid', gap: 0.5 }}>
              <Row label="Host" value={c.data.host} />
              <Row label="Port" value={String(c.data.port)} />
              <Row label="User" value={c.data.user} />
              <Row label="Command" value={c.data.command} />
            </Box>
            <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
              Log in with the private key that matches the public key you gave. The machine is ready once its state reads running.
            </Typography>
          </>
        )}
      </CardContent>
    </Card>
  );
}
