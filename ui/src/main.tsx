// One page, six screens, chosen by the path it was served under: five from the clinic's
// node, the head office's (/hq) from the chain's cloud.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./styles.css";
import { Admin } from "./screens/Admin";
import { Desk } from "./screens/desk/Desk";
import { Display } from "./screens/Display";
import { Hq } from "./screens/hq/Hq";
import { Kiosk } from "./screens/Kiosk";
import { Status } from "./screens/Status";

function Home() {
  return (
    <main className="login-screen">
      <nav className="card login-card" aria-label="screens">
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>Medicloud</span>
        </div>
        <a className="primary big as-button" href="/desk">Loket / Front desk</a>
        <a className="secondary big as-button" href="/admin">Admin</a>
        <p className="muted">Kiosk & layar: buka tautan pemasangan dari admin. / Kiosk & display: open the pairing link from the admin.</p>
      </nav>
    </main>
  );
}

export function screenFor(path: string) {
  const status = /^\/t\/([^/]+)$/.exec(path);
  if (status) return <Status id={status[1]} />;
  if (path === "/hq" || path.startsWith("/hq/")) return <Hq />;
  if (path.startsWith("/kiosk")) return <Kiosk />;
  if (path.startsWith("/display")) return <Display />;
  if (path.startsWith("/desk")) return <Desk />;
  if (path.startsWith("/admin")) return <Admin />;
  return <Home />;
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(<StrictMode>{screenFor(window.location.pathname)}</StrictMode>);
}
