// UsersPage.tsx — /console/users: search and page the accounts; each opens
// the user dialog (verify, block, KYC, commission, manual deposit).
import { useState } from 'react';
import {
  Button, Chip, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead,
  TableRow, TextField,
} from '@mui/material';
import { useSession } from '../../../api/session';
import { useApi } from '../../../lib/useApi';
import { Empty, ErrorAlert, Loading, Page } from '../../../components/common';
import type { AdminUser, UsersAnswer } from '../types';
import { Pager } from '../Pager';
import { UserDialog } from './UserDialog';

const LIMIT = 50;
/** a select whose empty value ("Any") shows as a value, not as a placeholder */
const SHOW_ANY = { inputLabel: { shrink: true }, select: { displayEmpty: true } };

export default function UsersPage() {
  const { api } = useSession();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<AdminUser | null>(null);
  const list = useApi(() => api.get<UsersAnswer>('/admin/users', { q: query, role, status, limit: LIMIT, offset }), [api, query, role, status, offset]);

  return (
    <Page title="Users">
      <Stack
        component="form"
        role="search"
        direction={{ xs: 'column', sm: 'row' }}
        spacing={1.5}
        sx={{ mb: 2 }}
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
          setOffset(0);
        }}
      >
        <TextField size="small" id="users-q" label="Email or user id" value={q} onChange={(e) => setQ(e.target.value)} />
        <TextField select size="small" id="users-role" label="Role" value={role} onChange={(e) => { setRole(e.target.value); setOffset(0); }} sx={{ minWidth: 140 }} slotProps={SHOW_ANY}>
          <MenuItem value="">Any</MenuItem>
          <MenuItem value="provider">Provider</MenuItem>
          <MenuItem value="customer">Customer</MenuItem>
          <MenuItem value="admin">Admin</MenuItem>
        </TextField>
        <TextField select size="small" id="users-status" label="Status" value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }} sx={{ minWidth: 140 }} slotProps={SHOW_ANY}>
          <MenuItem value="">Any</MenuItem>
          <MenuItem value="active">Active</MenuItem>
          <MenuItem value="blocked">Blocked</MenuItem>
          <MenuItem value="unverified">Unverified</MenuItem>
        </TextField>
        <Button type="submit" variant="contained">Search</Button>
      </Stack>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && list.data.users.length === 0 ? (
        <Empty>No users match.</Empty>
      ) : list.data ? (
        <>
          <TableContainer component={Paper} variant="outlined" sx={{ overflowX: 'auto' }}>
            <Table size="small" aria-label="Users">
              <TableHead>
                <TableRow>
                  <TableCell>Id</TableCell>
                  <TableCell>Email</TableCell>
                  <TableCell>Name</TableCell>
                  <TableCell>Roles</TableCell>
                  <TableCell>Email</TableCell>
                  <TableCell>KYC</TableCell>
                  <TableCell>2FA</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Joined</TableCell>
                  <TableCell>Action</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {list.data.users.map((u) => (
                  <TableRow key={u.id}>
                    <TableCell>{u.id}</TableCell>
                    <TableCell sx={{ wordBreak: 'break-all', minWidth: 180 }}>{u.email}</TableCell>
                    <TableCell>{u.display_name ?? '—'}</TableCell>
                    <TableCell>{u.roles.join(', ')}</TableCell>
                    <TableCell>{u.email_verified ? 'verified' : 'not verified'}</TableCell>
                    <TableCell>{u.kyc_status}</TableCell>
                    <TableCell>{u.totp_enabled ? 'on' : 'off'}</TableCell>
                    <TableCell>{u.blocked ? <Chip size="small" color="error" label="blocked" /> : 'active'}</TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>{u.created_at.slice(0, 10)}</TableCell>
                    <TableCell>
                      <Button size="small" onClick={() => setOpen(u)} aria-label={`Manage ${u.email}`}>Manage</Button>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          <Pager offset={offset} limit={LIMIT} shown={list.data.users.length} onOffset={setOffset} label="users" />
        </>
      ) : null}
      {open && (
        <UserDialog
          user={open}
          onChange={(u) => {
            setOpen(u);
            list.reload();
          }}
          onClose={() => setOpen(null)}
        />
      )}
    </Page>
  );
}
