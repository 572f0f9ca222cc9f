import { fireEvent, render, screen } from "@testing-library/react";
import type { ServiceView } from "../../api/types";
import { catalogue, type Key } from "../../lib/i18n";
import { IssueTicket } from "./IssueTicket";

const t = (k: Key) => catalogue.id[k];
const services: ServiceView[] = [
  { code: "A", name_id: "Poli Umum", name_en: "General Practice", active: true, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 2, step_queues: [] },
  { code: "X", name_id: "Tutup", name_en: "Closed", active: false, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 0, step_queues: [] },
  { code: "C", name_id: "KIA", name_en: "Mother and child", active: true, target_wait_minutes: 60, waiting: 0, estimated_wait_seconds: 0, counters: 1, step_queues: [] },
];

let sent: unknown[] = [];
beforeEach(() => {
  sent = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (_path: string, init?: RequestInit) => {
      sent.push(JSON.parse(String(init?.body)));
      if (sent.length === 1) return new Response(JSON.stringify({ id: "t-1", label: "C-004" }), { status: 201 });
      return new Response(JSON.stringify({ code: "service_closed", message: "closed" }), { status: 409 });
    }),
  );
});

test("the desk issues a ticket in an open service with a lane, says its number, and a refusal in words", async () => {
  let issued = 0;
  render(<IssueTicket token="t" t={t} lang="id" services={services} onIssued={() => (issued += 1)} />);
  const options = [...(screen.getByTestId("issue-service") as HTMLSelectElement).options].map((o) => o.value);
  expect(options).toEqual(["A", "C"]);
  fireEvent.change(screen.getByTestId("issue-service"), { target: { value: "C" } });
  fireEvent.change(screen.getByLabelText(catalogue.id.priorityQuestion), { target: { value: "pregnant" } });
  fireEvent.click(screen.getByTestId("issue-ticket"));
  expect((await screen.findByRole("status")).textContent).toBe(`${catalogue.id.issuedAtDesk}: C-004`);
  expect(sent[0]).toEqual({ service: "C", priority: "pregnant" });
  expect(issued).toBe(1);
  fireEvent.click(screen.getByTestId("issue-ticket"));
  expect((await screen.findByRole("alert")).textContent).toBe(catalogue.id.err_service_closed);
  expect(sent[1]).toEqual({ service: "C" });
  expect(issued).toBe(1);
});
