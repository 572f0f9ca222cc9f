import { render, screen } from "@testing-library/react";
import type { SyncStatus } from "../api/types";
import { catalogue, type Key } from "../lib/i18n";
import { LabelAuthorityCard, LabelConflictBanner } from "./LabelAuthority";

const en = (k: Key) => catalogue.en[k];
const labels = (over: Partial<SyncStatus["labels"]>): SyncStatus["labels"] => ({
  basis: "chosen",
  this_node: false,
  device: "1a0d0831-c226-4422-ace1-b896b0547f58",
  url: "http://10.0.0.5:8080",
  waiting_for: [],
  claims: ["1a0d0831-c226-4422-ace1-b896b0547f58"],
  conflict: false,
  marked_only: false,
  ...over,
});

test("a second label authority is an alarm naming both devices, with the fix on the admin screen", () => {
  const two = labels({ conflict: true, marked_only: true, claims: ["1a0d0831-c226-4422-ace1-b896b0547f58", "2e8284c5-d082-4813-b555-b9e3539e805a"] });
  render(<LabelConflictBanner t={en} labels={two} fix />);
  const alarm = screen.getByRole("alert");
  expect(alarm.textContent).toContain(en("labelConflict"));
  expect(alarm.textContent).toContain("1A0D0831, 2E8284C5");
  expect(alarm.textContent).toContain(en("labelConflictFix"));
});

test("one authority raises no alarm, and the admin sees who it is and how it was chosen", () => {
  const { container } = render(<LabelConflictBanner t={en} labels={labels({})} />);
  expect(container.textContent).toBe("");
  render(<LabelAuthorityCard t={en} labels={labels({})} />);
  expect(screen.getByTestId("label-authority").textContent).toContain(`${en("labelBasis_chosen")} · http://10.0.0.5:8080`);
});

test("until every peer has answered, the admin sees whom the node waits for", () => {
  render(<LabelAuthorityCard t={en} labels={labels({ basis: "undecided", device: null, url: null, waiting_for: ["http://10.0.0.6:8080"], marked_only: true })} />);
  const card = screen.getByTestId("label-authority").textContent;
  expect(card).toContain(`${en("labelBasis_undecided")}: http://10.0.0.6:8080`);
  expect(card).toContain(en("labelMarkedOnly"));
});
