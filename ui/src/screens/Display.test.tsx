import { render, screen } from "@testing-library/react";
import { catalogue } from "../lib/i18n";
import { Display } from "./Display";

class FakeEventSource {
  addEventListener() {}
  close() {}
  onerror: (() => void) | null = null;
}

/** An AudioContext that starts in `state`, as the browser's autoplay policy decides. */
function audioStarting(state: "running" | "suspended") {
  return class {
    state = state;
    close() {
      return Promise.resolve();
    }
  };
}

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, "", "/display#token=display-token");
  vi.stubGlobal("EventSource", FakeEventSource);
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => {
      const json = (body: unknown) => new Response(JSON.stringify(body));
      if (path === "/api/v1/calls")
        return json([
          { id: "t1", label: "A-012", service: "A", counter: "loket-1", counter_name: "Loket 1", status: "waiting", called_at: new Date().toISOString(), next_id: "Ruang Periksa Umum", next_en: "General consultation room" },
          { id: "t2", label: "L-003", service: "L", counter: "lab", counter_name: "Laboratorium", status: "called", called_at: new Date(Date.now() - 60_000).toISOString() },
        ]);
      if (path === "/api/v1/services") return json([]);
      if (path === "/api/v1/clinic") return json({ id: "c", name: "Klinik Sehat", time_zone: "Asia/Jakarta" });
      return new Response("{}", { status: 404 });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

test("a browser that wants a click first gets the notice and the button", async () => {
  vi.stubGlobal("AudioContext", audioStarting("suspended"));
  render(<Display />);
  expect((await screen.findByTestId("sound-notice")).textContent).toContain(catalogue.id.soundOff);
  expect(screen.getByTestId("sound-on")).toBeTruthy();
});

test("where sound needs no click (the desktop app) it is on without a notice", async () => {
  vi.stubGlobal("AudioContext", audioStarting("running"));
  render(<Display />);
  await screen.findByTestId("current-call");
  expect(screen.queryByTestId("sound-notice")).toBeNull();
});

test("a call whose step is over says where the patient goes next", async () => {
  vi.stubGlobal("AudioContext", audioStarting("suspended"));
  render(<Display />);
  expect((await screen.findByTestId("current-call")).textContent).toBe("A-012");
  expect(screen.getByTestId("current-go-to").textContent).toBe("Ruang Periksa Umum");
  expect(screen.getByText("L-003").closest("li")?.textContent).toBe("L-003Laboratorium");
});
