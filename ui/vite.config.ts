import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/** `npm run dev` answers /book and every path under it with book.html, as the cloud does. */
function bookPages(): Plugin {
  return {
    name: "medicloud-book-pages",
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url && /^\/book(\/[^.]*)?(\?.*)?$/.test(req.url)) req.url = "/book.html";
        next();
      });
    },
  };
}

// Two pages: index.html (every screen of the node, and the cloud's /hq) and book.html
// (the patients' booking page, which the cloud serves at /book), each with its own
// entry so the booking page loads none of the other screens. The node serves dist/
// itself (and the cloud its /hq and /book); `npm run dev` proxies the node's API to a
// local demo node and the head office's to a local cloud (scripts/hq-demo).
export default defineConfig({
  plugins: [react(), bookPages()],
  build: {
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        book: fileURLToPath(new URL("./book.html", import.meta.url)),
      },
    },
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/healthz": "http://127.0.0.1:8080", "/hq/v1": "http://127.0.0.1:8090" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
