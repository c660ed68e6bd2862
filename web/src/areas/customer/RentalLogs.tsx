// RentalLogs.tsx — the last log tail the provider's worker uploaded
// (GET /rentals/{id}/logs), shown as plain text: React escapes it, never HTML.
import { Box, Card, CardContent, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert, Loading } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { useBlockRefresh } from '../../lib/live';
import type { RentalLogs as Logs } from './types';

export function RentalLogs({ id, version }: { id: string; version: string }) {
  const { api } = useSession();
  const logs = useApi(() => api.get<Logs>(`/rentals/${id}/logs`), [id, version]);
  useBlockRefresh(logs.reload, 30_000);
  return (
    <Card variant="outlined" component="section" aria-labelledby="logs-title">
      <CardContent>
        <Typography id="logs-title" variant="h6" component="h2">Logs</Typography>
        <Typography variant="caption" color="text.secondary" component="p" gutterBottom>
          {logs.data?.updated_ms ? `Uploaded by the machine at ${formatTime(logs.data.updated_ms)} (at most every 30 s)` : 'The machine uploads its log at most every 30 s.'}
        </Typography>
        <ErrorAlert error={logs.error} onRetry={logs.reload} />
        {logs.loading && !logs.data && <Loading />}
        {logs.data && (logs.data.tail ? (
          <Box component="pre" tabIndex={0} aria-label="Log tail"
            sx={{ m: 0, p: 1, maxHeight: 320, overflow: 'auto', bgcolor: 'action.hover', borderRadius: 1, fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {logs.data.tail}
          </Box>
        ) : (
          <Typography variant="body2" color="text.secondary">No log yet.</Typography>
        ))}
      </CardContent>
    </Card>
  );
}
