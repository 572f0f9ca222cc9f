import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The node serves dist/ itself; `npm run dev` proxies the API to a local demo node.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
