/// <reference types="vitest/config" />
// Vite builds the dashboard into web/dist, which cpcd serves at / (see
// docs/dashboard.md). `npm run dev` proxies the API to a local cpcd:
// CPC_NODE=http://127.0.0.1:8000 npm run dev.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const node = process.env.CPC_NODE ?? 'http://127.0.0.1:8000';
// Every API prefix the dev server forwards to cpcd (the built dashboard is
// served by cpcd itself, so production needs no proxy).
const apiPrefixes = ['/status', '/block/', '/blocks', '/tx/', '/txs', '/account/', '/balance/',
  '/events', '/market/', '/marketplace/', '/provider/', '/rentals', '/auth/', '/me', '/admin/',
  '/api-keys', '/webhooks', '/support/', '/dc/', '/chain'];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        // Vendor code in its own long-cached chunks; each area is a lazy chunk.
        manualChunks: {
          react: ['react', 'react-dom', 'react-router-dom'],
          mui: ['@mui/material', '@emotion/react', '@emotion/styled'],
          charts: ['recharts'],
        },
      },
    },
  },
  server: {
    proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: node, changeOrigin: false }])),
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
