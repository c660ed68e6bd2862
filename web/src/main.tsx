import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SessionProvider } from './api/session';
import { AppTheme } from './theme';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppTheme>
      <SessionProvider>
        <App />
      </SessionProvider>
    </AppTheme>
  </StrictMode>,
);
