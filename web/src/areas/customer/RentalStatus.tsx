// RentalStatus.tsx — a rental's status as a coloured dot and its word (colour is never the only cue).
import { Box, Stack, Typography } from '@mui/material';

const colours: Record<string, string> = {
  open: 'success.main', pending: 'warning.main', ending: 'warning.main', ended: 'text.disabled', failed: 'error.main',
};

export function RentalStatus({ status }: { status: string }) {
  return (
    <Stack direction="row" spacing={0.75} sx={{ alignItems: 'center' }} data-status={status}>
      <Box component="span" aria-hidden sx={{ width: 10, height: 10, borderRadius: '50%', bgcolor: colours[status] ?? 'text.disabled' }} />
      <Typography component="span" variant="body2">{status}</Typography>
    </Stack>
  );
}
