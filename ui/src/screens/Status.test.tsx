import { render, screen } from "@testing-library/react";
import type { PublicTicketView } from "../api/types";
import { catalogue } from "../lib/i18n";
import { Status } from "./Status";

let pages: Record<string, PublicTicketView> = {};

beforeEach(() => {
  localStorage.clear();
  pages = {};
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => {
      const id = path.replace("/api/v1/public/tickets/", "");
      const page = pages[id];
      return page ? new Response(JSON.stringify(page)) : new Response(JSON.stringify({ code: "not_found", message: "no" }), { status: 404 });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

const waiting: PublicTicketView = {
  label: "A-012",
  service_name_id: "Poli Umum",
  service_name_en: "General Practice",
  status: "waiting",
  step_name_id: "Ruang Periksa Umum",
  step_name_en: "General consultation room",
  position: 2,
  people_ahead: 1,
  estimated_wait_seconds: 300,
};

test("a registered patient's page names the step they are at and where to wait", async () => {
  pages = { t1: waiting };
  render(<Status id="t1" />);
  expect((await screen.findByTestId("current-step")).textContent).toBe("Langkah sekarang: Ruang Periksa Umum");
  expect(screen.getByText(catalogue.id.waitAtStep, { exact: false }).textContent).toBe("Silakan menunggu di depan Ruang Periksa Umum.");
});

test("after a no-show the page says what to do", async () => {
  pages = { t1: { ...waiting, status: "no_show", step_name_id: "Pendaftaran", position: null, people_ahead: null } };
  render(<Status id="t1" />);
  expect((await screen.findByTestId("no-show-advice")).textContent).toBe(catalogue.id.noShowAdvice);
});

test("after a transfer the page follows the visit to its next service and says where to go", async () => {
  pages = {
    t1: {
      ...waiting,
      status: "transferred",
      next: { ticket_id: "t2", label: "A-012", service_name_id: "Laboratorium", service_name_en: "Laboratory", status: "waiting" },
    },
    t2: { ...waiting, service_name_id: "Laboratorium", service_name_en: "Laboratory", step_name_id: null, step_name_en: null, position: 1, people_ahead: 0 },
  };
  render(<Status id="t1" />);
  const next = await screen.findByTestId("next-step");
  expect(next.textContent).toContain("Kunjungan Anda berlanjut ke Laboratorium");
  expect(next.textContent).toContain(`${catalogue.id.sameNumber}: A-012`);
  expect(next.textContent).toContain(catalogue.id.transferAdvice);
  // A laboratory is one step: no step line.
  await vi.waitFor(() => expect(document.querySelector(".ticket-service")?.textContent).toBe("Laboratorium"));
  expect(screen.queryByTestId("current-step")).toBeNull();
});

test("a new number for the room is the big one, the registration number said beside it", async () => {
  pages = { t1: { ...waiting, label: "A-031", earlier_labels: ["A-012"] } };
  render(<Status id="t1" />);
  expect((await screen.findByTestId("earlier-labels")).textContent).toBe("Nomor baru Anda (sebelumnya A-012)");
  expect(screen.getByText("A-031").className).toBe("ticket-label");
});

test("one number for the whole visit says nothing of earlier ones", async () => {
  pages = { t1: waiting };
  render(<Status id="t1" />);
  await screen.findByTestId("current-step");
  expect(screen.queryByTestId("earlier-labels")).toBeNull();
});
