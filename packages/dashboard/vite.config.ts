import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/** `npm run dev` proxies the API to a local `keyward serve` so the SPA can be developed with hot reload. */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/v1': process.env.KEYWARD_URL ?? 'http://127.0.0.1:8080' } },
})
