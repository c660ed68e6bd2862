// LoginHistoryPage.tsx — /settings/logins: the account's sign-in attempts,
// newest first (GET /auth/history, 20 a page).
import { useState } from 'react';
import { Box, Button, Chip, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { Empty, ErrorAlert, Loading, Page } from '../../components/common';
import { formatAgo, formatTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import type { LoginHistory } from './types';

const PAGE = 20;

export function LoginHistoryPage() {
  const { api } = useSession();
  const [offset, setOffset] = useState(0);
  const h = useApi(() => api.get<LoginHistory>('/auth/history', { limit: PAGE, offset }), [api, offset]);
  const rows = h.data?.attempts ?? [];
  const more = rows.length === PAGE;

  return (
    <Page title="Sign-in history" actions={<Button onClick={h.reload} disabled={h.loading}>Refresh</Button>}>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        Every attempt to sign in with your email, successful or not. An attempt you do not recognise? Change your password
        and turn on two-factor authentication on the Security page.
      </Typography>
      <ErrorAlert error={h.error} onRetry={h.reload} />
      {h.loading && !h.data ? (
        <Loading />
      ) : !h.error && rows.length === 0 ? (
        <Empty>{offset ? 'No older sign-ins.' : 'No sign-ins recorded yet.'}</Empty>
      ) : rows.length > 0 && (
        <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="Sign-in attempts">
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>Result</TableCell>
                <TableCell>IP address</TableCell>
                <TableCell>Browser or client</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((a, i) => (
                <TableRow key={`${a.ms}-${i}`}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {formatTime(a.ms)}
                    <Box component="span" sx={{ color: 'text.secondary', display: 'block', fontSize: '0.75rem' }}>{formatAgo(a.ms)}</Box>
                  </TableCell>
                  <TableCell>
                    <Chip size="small" variant="outlined" color={a.success ? 'success' : 'error'} label={a.success ? 'Signed in' : 'Failed'} />
                  </TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{a.ip}</TableCell>
                  <TableCell sx={{ minWidth: 220, wordBreak: 'break-word' }}>{a.user_agent || '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      <Stack direction="row" spacing={1} sx={{ mt: 2, alignItems: 'center' }}>
        <Button onClick={() => setOffset(Math.max(0, offset - PAGE))} disabled={offset === 0 || h.loading}>Newer</Button>
        <Typography variant="body2" aria-live="polite">
          {rows.length ? `${offset + 1}–${offset + rows.length}` : ''}
        </Typography>
        <Button onClick={() => setOffset(offset + PAGE)} disabled={!more || h.loading}>Older</Button>
      </Stack>
    </Page>
  );
}
