// InvoicePrint.tsx — the printable invoice (GET /account/invoices/{id}/html,
// which needs the bearer token, so it is fetched with api.text()) shown in a
// sandboxed iframe and printed from there.
// The sandbox allows no script at all. allow-same-origin lets this page call
// the frame's print() (a script-less document cannot use that origin for
// anything); allow-modals lets the print dialog open. The node's HTML has no
// script and escapes every value, and the frame keeps it away from this page's
// session even if it had one.
import { useRef, useState } from 'react';
import { Box, Button, Dialog, DialogActions, DialogContent, DialogTitle } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';

export function InvoicePrint({ id }: { id: string }) {
  const { api } = useSession();
  const [html, setHtml] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const frame = useRef<HTMLIFrameElement>(null);

  const open = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setHtml(await api.text(`/account/invoices/${encodeURIComponent(id)}/html`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button variant="contained" onClick={() => void open()} disabled={busy}>{busy ? 'Preparing…' : 'Print'}</Button>
      <ErrorAlert error={error} />
      <Dialog open={html !== undefined} onClose={() => setHtml(undefined)} fullWidth maxWidth="md" aria-labelledby="print-title">
        <DialogTitle id="print-title">Printable invoice</DialogTitle>
        <DialogContent>
          <Box component="iframe" ref={frame} title={`Invoice ${id}, printable`} srcDoc={html ?? ''}
            sandbox="allow-same-origin allow-modals"
            sx={{ width: '100%', height: '70vh', border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'common.white' }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setHtml(undefined)}>Close</Button>
          <Button variant="contained" onClick={() => frame.current?.contentWindow?.print()}>Print invoice</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
