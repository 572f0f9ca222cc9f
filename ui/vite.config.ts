import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The node serves dist/ itself (and the cloud its /hq screens); `npm run dev` proxies the
// node's API to a local demo node and the head office's to a local cloud
// (scripts/hq-demo).
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080", "/hq/v1": "http://127.0.0.1:8090" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
