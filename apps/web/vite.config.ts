import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In dev, the API and socket.io live on the cadre server; proxying keeps the
// dashboard same-origin, exactly like the built assets served by the server.
const target = process.env.CADRE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: {
      '/api': target,
      '/healthz': target,
      '/socket.io': { target, ws: true },
    },
  },
});
