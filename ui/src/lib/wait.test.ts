import { catalogue, waitText, type Key } from "./i18n";

const id = (k: Key) => catalogue.id[k];

test.each([
  [0, "segera"],
  [null, "segera"],
  [1, "1 menit"],
  [60, "1 menit"],
  [61, "2 menit"],
  [130, "3 menit"], // as the printed ticket: the minutes rounded up
  [1200, "20 menit"],
])("a wait of %s seconds reads %s, as on the printed ticket", (seconds, words) => {
  expect(waitText(seconds, id)).toBe(words);
});
