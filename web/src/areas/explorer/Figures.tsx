// Figures.tsx — a row of headline figures (label above value) and a
// definition list of a record's fields, both readable at 375 px.
import type { ReactNode } from 'react';
import { Box, Paper, Typography } from '@mui/material';

export function Figures({ items, label }: { items: { label: string; value: ReactNode }[]; label: string }) {
  return (
    <Box component="dl" aria-label={label}
      sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))', gap: 1.5, m: 0, mb: 2 }}>
      {items.map((i) => (
        <Paper key={i.label} variant="outlined" sx={{ p: 1.5 }}>
          <Typography component="dt" variant="caption" color="text.secondary">{i.label}</Typography>
          <Typography component="dd" variant="h6" sx={{ m: 0, wordBreak: 'break-word', fontSize: { xs: '1rem', sm: '1.15rem' } }}>{i.value}</Typography>
        </Paper>
      ))}
    </Box>
  );
}

export function Fields({ rows, label }: { rows: [string, ReactNode][]; label: string }) {
  return (
    <Paper variant="outlined" sx={{ p: { xs: 1.5, sm: 2 }, mb: 2 }}>
      <Box component="dl" aria-label={label}
        sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '180px 1fr' }, columnGap: 2, rowGap: { xs: 0.25, sm: 1 }, m: 0 }}>
        {rows.map(([k, v]) => (
          <Box key={k} sx={{ display: 'contents' }}>
            <Typography component="dt" variant="body2" color="text.secondary" sx={{ mt: { xs: 1, sm: 0 } }}>{k}</Typography>
            <Typography component="dd" variant="body2" sx={{ m: 0, minWidth: 0, wordBreak: 'break-all' }}>{v}</Typography>
          </Box>
        ))}
      </Box>
    </Paper>
  );
}
