// PasswordChecklist.tsx — the node's password rules beside a password field,
// each marked met or not in words (colour is never the only cue).
import { Box, Typography } from '@mui/material';
import { passwordRules } from './passwordRules';

export function PasswordChecklist({ password, id }: { password: string; id: string }) {
  return (
    <Box component="ul" id={id} aria-label="Requirements" sx={{ m: 0, pl: 2.5 }}>
      {passwordRules(password).map((r) => (
        <Typography key={r.label} component="li" variant="body2" sx={{ color: r.ok ? 'success.main' : 'text.secondary' }}>
          {r.label}: {r.ok ? 'met' : 'not yet'}
        </Typography>
      ))}
    </Box>
  );
}
