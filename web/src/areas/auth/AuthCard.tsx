// AuthCard.tsx — the narrow frame of the signed-out forms (sign in, sign up, …).
import type { FormEvent, ReactNode } from 'react';
import { Box, Paper, Stack } from '@mui/material';
import { Page } from '../../components/common';

export function AuthCard({ title, onSubmit, children, footer }: {
  title: string;
  onSubmit: (e: FormEvent) => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <Page title={title}>
      <Box sx={{ maxWidth: 440, mx: 'auto' }}>
        <Paper variant="outlined" sx={{ p: { xs: 2, sm: 3 } }}>
          <Stack component="form" noValidate spacing={2} onSubmit={(e: FormEvent) => { e.preventDefault(); onSubmit(e); }} aria-label={title}>
            {children}
          </Stack>
        </Paper>
        {footer && <Stack spacing={1} sx={{ mt: 2, px: 1 }}>{footer}</Stack>}
      </Box>
    </Page>
  );
}
