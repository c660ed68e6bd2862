// ConfirmDialog.tsx — "are you sure?" before an operator action, with the
// action's error shown inside the dialog and optional fields as children.
import type { ReactNode } from 'react';
import { Button, Dialog, DialogActions, DialogContent, DialogTitle } from '@mui/material';
import { ErrorAlert } from '../../components/common';

export function ConfirmDialog({ open, title, confirm, danger, busy, error, onConfirm, onClose, children }: {
  open: boolean;
  title: string;
  /** the confirm button's text */
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} aria-labelledby="confirm-title" fullWidth maxWidth="sm">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <DialogTitle id="confirm-title">{title}</DialogTitle>
        <DialogContent>
          {children}
          <ErrorAlert error={error} />
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={busy}>Cancel</Button>
          <Button type="submit" variant="contained" color={danger ? 'error' : 'primary'} disabled={busy}>
            {busy ? 'Working…' : confirm}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
