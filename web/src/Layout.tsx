// Layout.tsx — the shell: top bar (search, theme, account), the menu of each
// area filtered by role, and the page. Keyboard: a skip link, then the menu.
import { useState, type FormEvent } from 'react';
import { Link as RouterLink, NavLink, Outlet, useNavigate } from 'react-router-dom';
import {
  AppBar, Box, Button, Divider, Drawer, IconButton, InputBase, List, ListItemButton, ListItemText,
  ListSubheader, Toolbar, Tooltip, Typography, useMediaQuery, useTheme,
} from '@mui/material';
import { useSession } from './api/session';
import { useThemeMode } from './theme';
import type { Area, NavItem } from './areas/area';
import { searchTarget } from './lib/search';

const DRAWER = 232;

function visible(item: NavItem, roles: string[] | undefined): boolean {
  if (item.who === 'public') return true;
  if (item.who === 'signed-out') return !roles;
  if (!roles) return false;
  return item.who === 'signed-in' || roles.includes(item.who);
}

/** The chain search: a height, an address or a tx hash (lib/search.ts). */
function SearchBox({ onDone }: { onDone: () => void }) {
  const nav = useNavigate();
  const [q, setQ] = useState('');
  const [bad, setBad] = useState(false);
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    const to = searchTarget(q);
    if (to) {
      nav(to);
      setQ('');
      setBad(false);
      onDone();
    } else if (q.trim()) {
      nav(`/explorer/search?q=${encodeURIComponent(q.trim())}`);
      onDone();
    } else setBad(true);
  };
  return (
    <Box component="form" role="search" onSubmit={onSearch} sx={{ flex: 1, mx: { md: 2 }, maxWidth: 520 }}>
      <InputBase
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setBad(false);
        }}
        placeholder="Address, tx hash or height"
        inputProps={{ 'aria-label': 'Search the chain by address, tx hash or block height', 'aria-invalid': bad }}
        sx={{ width: '100%', px: 1.5, py: 0.25, borderRadius: 1, bgcolor: 'rgba(255,255,255,0.15)', color: 'inherit' }}
      />
    </Box>
  );
}

export function Layout({ areas }: { areas: Area[] }) {
  const theme = useTheme();
  const wide = useMediaQuery(theme.breakpoints.up('md'));
  const [open, setOpen] = useState(false);
  const { me, signOut } = useSession();
  const { mode, toggle } = useThemeMode();
  const nav = useNavigate();
  const menu = (
    <Box component="nav" aria-label="Main menu" sx={{ width: DRAWER }}>
      <Toolbar />
      {!wide && <Box sx={{ p: 1, bgcolor: 'primary.main', color: 'primary.contrastText' }}><SearchBox onDone={() => setOpen(false)} /></Box>}
      {areas.map((a) => {
        const items = a.nav.filter((i) => visible(i, me?.roles));
        if (!items.length) return null;
        return (
          <List key={a.id} dense subheader={<ListSubheader component="div">{a.title}</ListSubheader>}>
            {items.map((i) => (
              <ListItemButton key={i.to} component={NavLink} to={i.to} end onClick={() => setOpen(false)}
                sx={{ '&.active': { bgcolor: 'action.selected' } }}>
                <ListItemText primary={i.label} />
              </ListItemButton>
            ))}
          </List>
        );
      })}
    </Box>
  );

  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <a href="#main" className="skip-link" style={{ position: 'absolute', left: -9999 }}
        onFocus={(e) => (e.currentTarget.style.left = '8px')} onBlur={(e) => (e.currentTarget.style.left = '-9999px')}>
        Skip to content
      </a>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }}>
        <Toolbar sx={{ gap: 1 }}>
          {!wide && (
            <IconButton color="inherit" aria-label="Open menu" edge="start" onClick={() => setOpen(true)}>
              <span aria-hidden>☰</span>
            </IconButton>
          )}
          <Typography variant="h6" component={RouterLink} to="/" sx={{ color: 'inherit', textDecoration: 'none', whiteSpace: 'nowrap' }}>
            ComputeChain
          </Typography>
          {wide ? <SearchBox onDone={() => setOpen(false)} /> : <Box sx={{ flex: 1 }} />}
          <Tooltip title={mode === 'dark' ? 'Light theme' : 'Dark theme'}>
            <IconButton color="inherit" aria-label={mode === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'} onClick={toggle}>
              <span aria-hidden>{mode === 'dark' ? '☀' : '☾'}</span>
            </IconButton>
          </Tooltip>
          {me ? (
            <Button color="inherit" onClick={() => void signOut().then(() => nav('/'))}>Sign out</Button>
          ) : (
            <Button color="inherit" component={RouterLink} to="/signin">Sign in</Button>
          )}
        </Toolbar>
      </AppBar>
      {wide ? (
        <Drawer variant="permanent" sx={{ width: DRAWER, flexShrink: 0, '& .MuiDrawer-paper': { width: DRAWER } }}>{menu}</Drawer>
      ) : (
        <Drawer variant="temporary" open={open} onClose={() => setOpen(false)} ModalProps={{ keepMounted: true }}>{menu}</Drawer>
      )}
      <Box component="main" id="main" tabIndex={-1} sx={{ flex: 1, minWidth: 0 }}>
        <Toolbar />
        {me && !wide && <Divider />}
        <Outlet />
      </Box>
    </Box>
  );
}
