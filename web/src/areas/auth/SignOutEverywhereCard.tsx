// SignOutEverywhereCard.tsx — POST /auth/logout-all: every session of the
// account ends (this one too), then the sign-in page.
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Card, CardContent, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Typography } from '@mui/material';
import { useSession } from '../../api/session';
import { ErrorAlert } from '../../components/common';
import { useSubmit } from '../../components/form';

export function SignOutEverywhereCard() {
  const { api, signOut } = useSession();
  const nav = useNavigate();
  const [asking, setAsking] = useState(false);
  const s = useSubmit([], 'logoutall');

  const go = () =>
    void s.run(async () => {
      const a = await api.post<{ revoked: number }>('/auth/logout-all');
      await signOut();
      nav('/signin', { state: { notice: `Signed out everywhere (${a.revoked} session${a.revoked === 1 ? '' : 's'} ended).` } });
    });

  return (
    <Card variant="outlined" component="section" aria-labelledby="logoutall-title">
      <CardContent>
        <Typography id="logoutall-title" variant="h6" component="h2" gutterBottom>Sessions</Typography>
        <Typography variant="body2" sx={{ mb: 2 }}>
          Lost a device, or signed in somewhere you should not have? End every session of this account, this one included.
        </Typography>
        <ErrorAlert error={s.formError} />
        <Button variant="outlined" color="error" onClick={() => setAsking(true)}>Sign out everywhere</Button>
        <Dialog open={asking} onClose={() => setAsking(false)} aria-labelledby="logoutall-dialog">
          <DialogTitle id="logoutall-dialog">Sign out everywhere?</DialogTitle>
          <DialogContent>
            <DialogContentText>Every browser, app and device signed in to this account will need to sign in again.</DialogContentText>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setAsking(false)}>Cancel</Button>
            <Button color="error" disabled={s.busy} onClick={() => { setAsking(false); go(); }}>Sign out everywhere</Button>
          </DialogActions>
        </Dialog>
      </CardContent>
    </Card>
  );
}
