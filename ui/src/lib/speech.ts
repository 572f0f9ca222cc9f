// Calls spoken on the waiting-room display, with no cloud service: the browser's own
// voices (speechSynthesis), after a chime made with WebAudio. Calls wait in a queue and
// are never spoken over each other.

const ONES = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];

/** A whole number in Indonesian words: 12 → "dua belas", 105 → "seratus lima". */
export function numberToIndonesian(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${n}`);
  if (n < 10) return ONES[n];
  if (n === 10) return "sepuluh";
  if (n === 11) return "sebelas";
  if (n < 20) return `${ONES[n - 10]} belas`;
  if (n < 100) {
    const rest = n % 10;
    return `${ONES[Math.floor(n / 10)]} puluh${rest ? ` ${ONES[rest]}` : ""}`;
  }
  if (n < 1000) {
    const hundreds = Math.floor(n / 100);
    const rest = n % 100;
    const head = hundreds === 1 ? "seratus" : `${ONES[hundreds]} ratus`;
    return rest ? `${head} ${numberToIndonesian(rest)}` : head;
  }
  if (n < 1_000_000) {
    const thousands = Math.floor(n / 1000);
    const rest = n % 1000;
    const head = thousands === 1 ? "seribu" : `${numberToIndonesian(thousands)} ribu`;
    return rest ? `${head} ${numberToIndonesian(rest)}` : head;
  }
  throw new Error(`too large to say: ${n}`);
}

const EN_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** A label as it is called out: "A-012" → "A nol dua belas" (leading zeros are read as
 * "nol", as clinics do). Device-marked labels ("A-2-001") are read part by part. */
export function labelWords(label: string, lang: "id" | "en"): string {
  const parts = label.split("-");
  const words: string[] = [];
  for (const part of parts) {
    if (/^\d+$/.test(part)) {
      const zeros = part.match(/^0+/)?.[0].length ?? 0;
      const rest = part.slice(zeros);
      const zero = lang === "id" ? "nol" : "zero";
      for (let i = 0; i < Math.min(zeros, part.length - (rest ? 0 : 1)); i++) words.push(zero);
      if (rest) words.push(lang === "id" ? numberToIndonesian(Number(rest)) : [...rest].map((d) => EN_ONES[Number(d)]).join(" "));
      else words.push(zero);
    } else {
      words.push(part.split("").join(" "));
    }
  }
  return words.join(" ");
}

/** The sentence for a call: "Nomor antrean A nol dua belas, silakan menuju Loket 2". */
export function callSentence(label: string, counterName: string, lang: "id" | "en"): string {
  const place = counterName.replace(/\d+/g, (d) => (lang === "id" ? numberToIndonesian(Number(d)) : d));
  return lang === "id"
    ? `Nomor antrean ${labelWords(label, "id")}, silakan menuju ${place.toLowerCase()}`
    : `Queue number ${labelWords(label, "en")}, please go to ${place}`;
}

export interface Announcement {
  id: string;
  label: string;
  counterName: string;
  text: string;
}

/** Says one announcement; resolves when it has been said. */
export type Speaker = (a: Announcement) => Promise<void>;

/** A queue of calls spoken one at a time. `onChange` sees the queue (first: speaking). */
export class Announcer {
  private queue: Announcement[] = [];
  private busy = false;

  constructor(
    private speak: Speaker,
    private onChange: (queue: Announcement[]) => void = () => {},
  ) {}

  add(a: Announcement) {
    this.queue.push(a);
    this.onChange([...this.queue]);
    void this.next();
  }

  private async next() {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    try {
      await this.speak(this.queue[0]);
    } catch {
      // A voice that fails must not stop the calls after it.
    }
    this.queue.shift();
    this.busy = false;
    this.onChange([...this.queue]);
    void this.next();
  }
}

/** The browser's speaker: a two-tone chime, then the sentence in each language asked. */
export function browserSpeaker(langs: ("id" | "en")[], audio: () => AudioContext | null): Speaker {
  return async (a) => {
    await chime(audio());
    for (const lang of langs) {
      await say(callSentence(a.label, a.counterName, lang), lang === "id" ? "id-ID" : "en-US");
    }
  };
}

function chime(ctx: AudioContext | null): Promise<void> {
  if (!ctx) return new Promise((r) => setTimeout(r, 300));
  const now = ctx.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.45);
    gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.45 + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.45 + 0.42);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + i * 0.45);
    osc.stop(now + i * 0.45 + 0.45);
  }
  return new Promise((r) => setTimeout(r, 1000));
}

function say(text: string, bcp47: string): Promise<void> {
  const synth = typeof window !== "undefined" ? window.speechSynthesis : undefined;
  if (!synth) return new Promise((r) => setTimeout(r, 1500));
  return new Promise((resolve) => {
    const u = new SpeechSynthesisUtterance(text);
    u.lang = bcp47;
    u.rate = 0.9;
    const voice = synth.getVoices().find((v) => v.lang.replace("_", "-").startsWith(bcp47.slice(0, 2)));
    if (voice) u.voice = voice;
    // Without a voice some engines never end: give each sentence a time limit.
    const limit = setTimeout(resolve, 8000);
    u.onend = u.onerror = () => {
      clearTimeout(limit);
      resolve();
    };
    synth.speak(u);
  });
}
