// The booking page's own words, Bahasa Indonesia first and English second: one
// catalogue per language with the same keys (a word missing in English fails tsc), kept
// apart from lib/i18n.ts so the page does not load the other screens' catalogue.
// `{name}`-style places are filled by `fill`.
import { useCallback, useEffect, useState } from "react";
import type { Lang } from "./api";

const id = {
  pageTitle: "Booking klinik online",
  intro: "Pesan jam kunjungan Anda dari ponsel, tanpa perlu antre sejak subuh.",
  language: "English",
  stepOf: "Langkah {n} dari 4",
  loading: "Memuat…",
  back: "Kembali",
  tryAgain: "Coba lagi",
  chooseClinic: "Pilih klinik",
  findClinic: "Cari klinik",
  noClinicMatch: "Tidak ada klinik yang cocok dengan “{q}”.",
  noClinics: "Belum ada klinik yang menerima booking online.",
  chooseService: "Pilih layanan",
  noServices: "Klinik ini belum membuka booking online.",
  chooseTime: "Pilih hari dan jam",
  clinicTimeNote: "Semua jam menurut waktu klinik ({zone}).",
  day: "Hari",
  today: "Hari ini",
  tomorrow: "Besok",
  times: "Jam",
  timesOn: "{n} jam tersedia pada {day}.",
  placesLeft: "{n} tempat lagi",
  onePlaceLeft: "1 tempat lagi",
  full: "Penuh",
  yourTime: "Jam Anda",
  dayClosed: "Klinik tutup pada {day}. Silakan pilih hari lain.",
  dayFull: "Semua jam pada {day} sudah penuh. Silakan pilih hari lain.",
  dayOver: "Jam booking hari ini sudah lewat. Silakan pilih hari lain.",
  nextDay: "Lihat hari berikutnya",
  yourDetails: "Data Anda",
  yourVisit: "Kunjungan Anda",
  changeTime: "Ganti jam",
  clinic: "Klinik",
  service: "Layanan",
  when: "Waktu",
  required: "wajib",
  optional: "tidak wajib",
  name: "Nama lengkap",
  nameHint: "Sesuai KTP atau kartu BPJS.",
  phone: "Nomor HP",
  phoneHint: "Nomor Indonesia, misalnya 0812 3456 7890.",
  nik: "NIK",
  nikHint: "16 angka di KTP Anda.",
  bpjs: "Nomor kartu BPJS Kesehatan",
  bpjsHint: "13 angka di kartu BPJS Anda.",
  consent: "Kirimi saya pengingat lewat WhatsApp/SMS",
  consentHint: "Boleh tidak dicentang: booking tetap berlaku tanpa pengingat.",
  book: "Pesan sekarang",
  booking: "Memesan…",
  errName: "Tulis nama Anda.",
  errPhoneEmpty: "Tulis nomor HP Anda.",
  errPhone: "Nomor HP ini tidak bisa dipakai. Tulis nomor Indonesia yang diawali 08, 628, atau +628, misalnya 0812 3456 7890.",
  errNik: "NIK harus 16 angka.",
  errBpjs: "Nomor kartu BPJS harus 13 angka.",
  errCode: "Tulis kode booking Anda.",
  booked: "Booking Anda sudah tercatat",
  yourCode: "Kode booking Anda",
  qrAlt: "Kode QR untuk booking {code}",
  atKiosk: "Saat tiba di klinik, pindai kode QR ini di kios. Anda bisa check-in mulai 30 menit sebelum jam Anda.",
  keepCode: "Simpan kode ini: foto layar ini atau catat kodenya.",
  addToCalendar: "Tambahkan ke kalender",
  manage: "Kelola booking saya",
  haveBooking: "Sudah punya booking?",
  newBooking: "Buat booking baru",
  manageTitle: "Kelola booking",
  manageIntro: "Tulis kode booking dan nomor HP yang Anda pakai saat memesan.",
  code: "Kode booking",
  codeHint: "Ada di layar konfirmasi dan pengingat Anda, misalnya K7M 3QX.",
  find: "Cari booking",
  finding: "Mencari…",
  status: "Status",
  status_booked: "Terjadwal",
  status_cancelled: "Dibatalkan",
  status_checked_in: "Sudah check-in",
  move: "Pindah jadwal",
  cancel: "Batalkan booking",
  cancelConfirm: "Batalkan booking {code} pada {when}?",
  cancelYes: "Ya, batalkan",
  cancelNo: "Tidak, kembali",
  cancelNote: "Setelah dibatalkan, jam ini bisa dipesan pasien lain.",
  cancelled: "Booking {code} sudah dibatalkan.",
  checkedInNote: "Anda sudah check-in untuk booking ini, jadi booking ini tidak bisa diubah lagi.",
  moveTitle: "Pilih jam baru",
  moveConfirm: "Pindahkan booking {code} ke jam baru ini?",
  currentTime: "Jam sekarang",
  newTime: "Jam baru",
  moveYes: "Ya, pindahkan",
  moveNo: "Pilih jam lain",
  moved: "Jadwal booking Anda sudah dipindah",
  otherBooking: "Cari booking lain",
  err_slot_full: "Jam itu baru saja terisi. Silakan pilih jam lain — daftar jam sudah diperbarui.",
  err_rate_limited: "Terlalu banyak percobaan. Tunggu {n} detik, lalu coba lagi.",
  err_not_found: "Tidak ada booking dengan kode dan nomor HP ini. Periksa lagi keduanya.",
  err_offline: "Tidak ada sambungan internet. Periksa sambungan Anda, lalu coba lagi.",
  err_already_checked_in: "Booking ini sudah check-in di klinik, jadi tidak bisa dibatalkan atau dipindah.",
  err_unknown: "Maaf, ada gangguan. Coba lagi sebentar lagi.",
} as const;

/** A word of the booking page. */
export type BookKey = keyof typeof id;

const en: Record<BookKey, string> = {
  pageTitle: "Book a clinic visit online",
  intro: "Book your visit from your phone — no need to queue from dawn.",
  language: "Bahasa Indonesia",
  stepOf: "Step {n} of 4",
  loading: "Loading…",
  back: "Back",
  tryAgain: "Try again",
  chooseClinic: "Choose a clinic",
  findClinic: "Find a clinic",
  noClinicMatch: "No clinic matches “{q}”.",
  noClinics: "No clinic takes online bookings yet.",
  chooseService: "Choose a service",
  noServices: "This clinic does not take online bookings yet.",
  chooseTime: "Choose a day and time",
  clinicTimeNote: "All times are the clinic's local time ({zone}).",
  day: "Day",
  today: "Today",
  tomorrow: "Tomorrow",
  times: "Time",
  timesOn: "{n} times free on {day}.",
  placesLeft: "{n} places left",
  onePlaceLeft: "1 place left",
  full: "Full",
  yourTime: "Your time",
  dayClosed: "The clinic is closed on {day}. Please choose another day.",
  dayFull: "Every time on {day} is taken. Please choose another day.",
  dayOver: "Today's booking times have passed. Please choose another day.",
  nextDay: "See the next day",
  yourDetails: "Your details",
  yourVisit: "Your visit",
  changeTime: "Change the time",
  clinic: "Clinic",
  service: "Service",
  when: "When",
  required: "required",
  optional: "optional",
  name: "Full name",
  nameHint: "As on your KTP or BPJS card.",
  phone: "Mobile number",
  phoneHint: "An Indonesian number, for example 0812 3456 7890.",
  nik: "NIK (national ID number)",
  nikHint: "The 16 digits on your KTP.",
  bpjs: "BPJS Kesehatan card number",
  bpjsHint: "The 13 digits on your BPJS card.",
  consent: "Send me reminders by WhatsApp/SMS",
  consentHint: "You may leave this unticked: your booking stands without reminders.",
  book: "Book now",
  booking: "Booking…",
  errName: "Please enter your name.",
  errPhoneEmpty: "Please enter your mobile number.",
  errPhone: "This mobile number cannot be used. Enter an Indonesian number starting with 08, 628 or +628, for example 0812 3456 7890.",
  errNik: "The NIK must be 16 digits.",
  errBpjs: "The BPJS card number must be 13 digits.",
  errCode: "Please enter your booking code.",
  booked: "You are booked",
  yourCode: "Your booking code",
  qrAlt: "QR code for booking {code}",
  atKiosk: "When you arrive at the clinic, scan this QR code at the kiosk. You can check in from 30 minutes before your time.",
  keepCode: "Keep this code: take a screenshot or write it down.",
  addToCalendar: "Add to calendar",
  manage: "Manage my booking",
  haveBooking: "Already booked?",
  newBooking: "Make another booking",
  manageTitle: "Manage your booking",
  manageIntro: "Enter your booking code and the mobile number you booked with.",
  code: "Booking code",
  codeHint: "On your confirmation screen and reminders, for example K7M 3QX.",
  find: "Find my booking",
  finding: "Looking…",
  status: "Status",
  status_booked: "Booked",
  status_cancelled: "Cancelled",
  status_checked_in: "Checked in",
  move: "Change the time",
  cancel: "Cancel the booking",
  cancelConfirm: "Cancel booking {code} on {when}?",
  cancelYes: "Yes, cancel it",
  cancelNo: "No, keep it",
  cancelNote: "Once cancelled, the time can be booked by another patient.",
  cancelled: "Booking {code} is cancelled.",
  checkedInNote: "You have checked in for this booking, so it can no longer be changed.",
  moveTitle: "Choose a new time",
  moveConfirm: "Move booking {code} to this new time?",
  currentTime: "Current time",
  newTime: "New time",
  moveYes: "Yes, move it",
  moveNo: "Choose another time",
  moved: "Your booking has been moved",
  otherBooking: "Find another booking",
  err_slot_full: "That time was just taken. Please choose another — the times have been refreshed.",
  err_rate_limited: "Too many tries. Please wait {n} seconds, then try again.",
  err_not_found: "There is no booking with this code and mobile number. Please check both.",
  err_offline: "No connection. Check your internet, then try again.",
  err_already_checked_in: "This booking is already checked in at the clinic, so it cannot be cancelled or moved.",
  err_unknown: "Sorry, something went wrong. Please try again in a moment.",
};

/** Both catalogues (the tests read the expected words from here). */
export const words: Record<Lang, Record<BookKey, string>> = { id, en };

/** `text` with each `{name}` replaced by `values.name`. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (all, name: string) => (name in values ? String(values[name]) : all));
}

/** The key the chosen language is kept under (the same as the other screens'). */
export const LANG_KEY = "medicloud.lang";

function stored(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "id";
  } catch {
    return "id"; // storage refused (a private window): Bahasa Indonesia
  }
}

/** The page's language (Bahasa Indonesia unless the patient chose English) and its words. */
export function useBookLang() {
  const [lang, setLang] = useState<Lang>(stored);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${words[lang].pageTitle} — Medicloud`;
  }, [lang]);
  const t = useCallback((key: BookKey, values?: Record<string, string | number>) => (values ? fill(words[lang][key], values) : words[lang][key]), [lang]);
  const toggle = useCallback(() => {
    setLang((l) => {
      const next = l === "id" ? "en" : "id";
      try {
        localStorage.setItem(LANG_KEY, next);
      } catch {
        // not kept: the page still switches
      }
      return next;
    });
  }, []);
  return { lang, t, toggle };
}

/** The words function the page's parts receive. */
export type T = ReturnType<typeof useBookLang>["t"];
