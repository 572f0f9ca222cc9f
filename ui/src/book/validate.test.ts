import { checkDetails, groupCode, normalizeCode, normalizePhone, NO_DETAILS } from "./validate";

test.each([
  // Indonesian mobile numbers as people write them.
  ["0812 3456 7890", "+6281234567890"],
  ["0812-3456-7890", "+6281234567890"],
  ["081234567890", "+6281234567890"],
  ["6281234567890", "+6281234567890"],
  ["+62 812 3456 7890", "+6281234567890"],
  ["+62-812-3456-789", "+628123456789"],
  ["0812 345 678", "+62812345678"], // 9 digits after the 0: the shortest
  ["0812 3456 7890 1", "+62812345678901"], // 12: the longest
  // Refused.
  ["0812 345 67", null], // 8: too short
  ["0812 3456 7890 12", null], // 13: too long
  ["0212 345 6789", null], // a Jakarta landline
  ["+1 812 345 6789", null],
  ["62 0812 3456 7890", null],
  ["0812.3456.7890", null],
  ["", null],
])("the phone number %j is %j", (typed, sent) => {
  expect(normalizePhone(typed)).toBe(sent);
});

test.each([
  [{}, { name: "errName", phone: "errPhoneEmpty" }],
  [{ name: "  ", phone: "0812 3456 7890" }, { name: "errName" }],
  [{ name: "Siti", phone: "0812 3456 7890" }, {}],
  [{ name: "Siti", phone: "0812 3456 7890", nik: "3173 0123 4567 8901" }, {}],
  [{ name: "Siti", phone: "0812 3456 7890", nik: "317301234567890" }, { nik: "errNik" }],
  [{ name: "Siti", phone: "0812 3456 7890", nik: "31730123456789012" }, { nik: "errNik" }],
  [{ name: "Siti", phone: "0812 3456 7890", nik: "3173O12345678901" }, { nik: "errNik" }],
  [{ name: "Siti", phone: "0812 3456 7890", bpjs: "0001234567890" }, {}],
  [{ name: "Siti", phone: "0812 3456 7890", bpjs: "000123456789" }, { bpjs: "errBpjs" }],
  [{ name: "Siti", phone: "0712 3456 7890", bpjs: "x" }, { phone: "errPhone", bpjs: "errBpjs" }],
])("the form %j is refused with %j", (typed, problems) => {
  expect(checkDetails({ ...NO_DETAILS, ...typed })).toEqual(problems);
});

test("booking codes are read in groups of three and sent as one word", () => {
  expect(groupCode("K7M3QX")).toBe("K7M 3QX");
  expect(groupCode("k7m 3qx")).toBe("K7M 3QX");
  expect(groupCode("K7M3QXA2")).toBe("K7M 3QX A2");
  expect(normalizeCode(" k7m-3qx ")).toBe("K7M3QX");
});
