import { Announcer, callSentence, labelWords, numberToIndonesian, type Announcement } from "./speech";

test.each([
  [0, "nol"],
  [7, "tujuh"],
  [10, "sepuluh"],
  [11, "sebelas"],
  [12, "dua belas"],
  [19, "sembilan belas"],
  [20, "dua puluh"],
  [45, "empat puluh lima"],
  [100, "seratus"],
  [105, "seratus lima"],
  [250, "dua ratus lima puluh"],
  [1000, "seribu"],
  [1012, "seribu dua belas"],
  [2500, "dua ribu lima ratus"],
])("%i is read as %s", (n, words) => {
  expect(numberToIndonesian(n)).toBe(words);
});

test("labels are read the way clinics call them", () => {
  expect(labelWords("A-012", "id")).toBe("A nol dua belas");
  expect(labelWords("B-100", "id")).toBe("B seratus");
  expect(labelWords("C-000", "id")).toBe("C nol nol nol");
  expect(labelWords("A-2-001", "id")).toBe("A dua nol nol satu");
  expect(labelWords("A-012", "en")).toBe("A zero one two");
});

test("the spoken call names the counter", () => {
  expect(callSentence("A-012", "Loket 2", "id")).toBe("Nomor antrean A nol dua belas, silakan menuju loket dua");
  expect(callSentence("L-003", "Laboratorium", "en")).toBe("Queue number L zero zero three, please go to Laboratorium");
});

test("calls are spoken one at a time, in order, never over each other", async () => {
  const spoken: string[] = [];
  let speaking = 0;
  let finish: (() => void) | null = null;
  const announcer = new Announcer(
    (a) =>
      new Promise<void>((resolve) => {
        speaking += 1;
        expect(speaking).toBe(1);
        spoken.push(a.label);
        finish = () => {
          speaking -= 1;
          resolve();
        };
      }),
  );
  const call = (label: string): Announcement => ({ id: label, label, counterName: "Loket 1", text: label });
  announcer.add(call("A-001"));
  announcer.add(call("A-002"));
  announcer.add(call("B-001"));
  expect(spoken).toEqual(["A-001"]);
  for (let i = 0; i < 3; i++) {
    (finish as unknown as () => void)();
    await new Promise((r) => setTimeout(r, 0));
  }
  expect(spoken).toEqual(["A-001", "A-002", "B-001"]);
});

test("a voice that fails does not stop the calls after it", async () => {
  const spoken: string[] = [];
  const announcer = new Announcer(async (a) => {
    if (a.label === "A-001") throw new Error("no voice");
    spoken.push(a.label);
  });
  announcer.add({ id: "1", label: "A-001", counterName: "Loket 1", text: "" });
  announcer.add({ id: "2", label: "A-002", counterName: "Loket 1", text: "" });
  await new Promise((r) => setTimeout(r, 10));
  expect(spoken).toEqual(["A-002"]);
});
