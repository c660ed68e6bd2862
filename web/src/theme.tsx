// theme.tsx — light and dark themes (MUI), the choice kept in localStorage
// and defaulting to the system's preference.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { CssBaseline, ThemeProvider, createTheme, useMediaQuery } from '@mui/material';

type Mode = 'light' | 'dark';
const ModeCtx = createContext<{ mode: Mode; toggle: () => void }>({ mode: 'light', toggle: () => {} });

export function AppTheme({ children }: { children: ReactNode }) {
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)', { noSsr: true });
  const [chosen, setChosen] = useState<Mode | null>(() => {
    const v = globalThis.localStorage?.getItem('cpc.theme');
    return v === 'dark' || v === 'light' ? v : null;
  });
  const mode: Mode = chosen ?? (prefersDark ? 'dark' : 'light');
  const theme = useMemo(
    () =>
      createTheme({
        palette: { mode, primary: { main: mode === 'dark' ? '#64b5f6' : '#1565c0' } },
        shape: { borderRadius: 8 },
        components: { MuiButton: { defaultProps: { disableElevation: true } } },
      }),
    [mode],
  );
  const toggle = () => {
    const next: Mode = mode === 'dark' ? 'light' : 'dark';
    globalThis.localStorage?.setItem('cpc.theme', next);
    setChosen(next);
  };
  return (
    <ModeCtx.Provider value={{ mode, toggle }}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {children}
      </ThemeProvider>
    </ModeCtx.Provider>
  );
}

export function useThemeMode() {
  return useContext(ModeCtx);
}
