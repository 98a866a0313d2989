import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the service at /app/ (src/http/routes/console.ts); everything is bundled, so the
// console loads nothing from another origin.
export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
});
