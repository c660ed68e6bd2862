// common.tsx — the small pieces every page uses: page frame, loading, empty
// and error states, a copy button, a status dot and a QR code.
import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Box, Button, CircularProgress, IconButton, Stack, Tooltip, Typography } from '@mui/material';
import QRCode from 'qrcode';
import { ApiError } from '../api/client';

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · ComputeChain`;
  }, [title]);
  return (
    <Box component="section" aria-labelledby="page-title" sx={{ p: { xs: 1.5, sm: 3 }, maxWidth: 1400, mx: 'auto' }}>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mb: 2, alignItems: { sm: 'center' }, justifyContent: 'space-between' }}>
        <Typography id="page-title" variant="h5" component="h1">
          {title}
        </Typography>
        {actions && <Stack direction="row" spacing={1}>{actions}</Stack>}
      </Stack>
      {children}
    </Box>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', p: 2 }} role="status" aria-live="polite">
      <CircularProgress size={20} aria-hidden />
      <Typography variant="body2">{label}</Typography>
    </Stack>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Box sx={{ p: 3, textAlign: 'center', color: 'text.secondary' }} role="note">
      {children}
    </Box>
  );
}

/** An API error as an alert (the field-level ones go next to their field: see FieldError). */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <Alert severity="error" role="alert" action={onRetry && <Button color="inherit" size="small" onClick={onRetry}>Retry</Button>} sx={{ my: 1 }}>
      {msg}
      {code ? ` (${code})` : ''}
    </Alert>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <Tooltip title={done ? 'Copied' : label}>
      <IconButton
        size="small"
        aria-label={label}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
          } catch {
            /* no clipboard permission: the text stays selectable */
          }
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        }}
      >
        {done ? (
          <svg aria-hidden width="16" height="16" viewBox="0 0 24 24"><path fill="currentColor" d="M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z" /></svg>
        ) : (
          <svg aria-hidden width="16" height="16" viewBox="0 0 24 24"><path fill="currentColor" d="M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2m0 16H8V7h11z" /></svg>
        )}
      </IconButton>
    </Tooltip>
  );
}

const dotColors: Record<string, string> = {
  online: '#2e7d32', busy: '#ed6c02', offline: '#9e9e9e', maintenance: '#0288d1', error: '#d32f2f',
};

/** A coloured dot with the status as text beside it (colour is never the only cue). */
export function StatusDot({ status }: { status: string }) {
  return (
    <Stack direction="row" spacing={0.75} sx={{ alignItems: 'center' }} data-status={status}>
      <Box component="span" aria-hidden sx={{ width: 10, height: 10, borderRadius: '50%', bgcolor: dotColors[status] ?? '#9e9e9e' }} />
      <Typography component="span" variant="body2">{status}</Typography>
    </Stack>
  );
}

/** A QR code of `text`, drawn in the browser (no network). */
export function QrCode({ text, size = 180, label }: { text: string; size?: number; label: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(text, { width: size, margin: 1 }).then((u) => live && setUrl(u), () => live && setUrl(undefined));
    return () => {
      live = false;
    };
  }, [text, size]);
  return url ? <img src={url} width={size} height={size} alt={label} /> : <Box sx={{ width: size, height: size }} />;
}
