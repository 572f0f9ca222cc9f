// End-to-end: the chain staff's OpenID Connect login against a real provider
// (npm `oidc-provider`, e2e/oidc-provider.mjs) on loopback, the real `medicloud cloud`,
// and headless Chromium (Debian's, through playwright-core; nothing is downloaded).
//   MEDICLOUD_BIN=../target/debug/medicloud node e2e/oidc.mjs
// A person signs in at the provider and lands on the HQ screens signed in; a wrong
// state, a replayed callback, a callback in a browser that did not begin the login, a
// replayed code, a handoff code used twice, a provider username without a cloud account
// and a cancelled sign-in are each refused, and none of them makes an account or a login.
// Last, through the screens (a second cloud process on the same database serving the
// built ui/dist): the head office's "sign in with" button, the provider, and back on
// the overview signed in, with the one-time code gone from the address bar.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { bin, check, children, passed, start } from "./lib.mjs";
import { startProvider } from "./oidc-provider.mjs";

const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CLIENT_SECRET = "e2e-oidc-client-secret";
const USERNAME = "kepala-pusat";


/** A port nothing listens on now (the cloud's: the provider must know its redirect URI). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}


/** One number from the cloud's database (SQLite, read beside the running cloud). */
function count(dbPath, sql) {
  return Number(execFileSync("sqlite3", [dbPath, sql], { encoding: "utf8" }).trim());
}

/** The fragment parameter `name` of `url` (`/hq/#login=…`). */
function fragment(url, name) {
  return new URLSearchParams(new URL(url).hash.slice(1)).get(name);
}

/** Signs in at the provider's development pages as `username`, from the cloud's start URL;
 * resolves with the callback URL the provider sent the browser to, once the browser has
 * landed on the HQ screens. */
async function signIn(page, base, username) {
  let callback = null;
  const seen = (request) => {
    if (request.url().startsWith(`${base}/hq/v1/auth/oidc/callback`)) callback = request.url();
  };
  page.on("request", seen);
  await page.goto(`${base}/hq/v1/auth/oidc/start`);
  await page.locator('input[name="login"]').fill(username);
  await page.locator('input[name="password"]').fill("not checked by the development pages");
  await page.locator('button[type="submit"]').click();
  // The consent page, the first time this person signs in to this client.
  const consent = page.locator('input[name="prompt"][value="consent"]');
  await Promise.race([consent.waitFor({ state: "attached" }).catch(() => {}), page.waitForURL(/\/hq\/#/)]);
  if (!/\/hq\/#/.test(page.url())) await page.locator('button[type="submit"]').click();
  await page.waitForURL(/\/hq\/#login(_error)?=/);
  page.off("request", seen);
  return callback;
}

/** Begins a login for `page`'s browser without going on to the provider: the start's
 * answer is read here and its state cookie given to the browser, as following the
 * redirect would. The authorization URL and the cookie's attributes. */
async function freshStart(page, base) {
  const res = await fetch(`${base}/hq/v1/auth/oidc/start`, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`the start answered ${res.status}`);
  const authorize = new URL(res.headers.get("location"));
  const cookie = res.headers.get("set-cookie");
  const [pair, ...attributes] = cookie.split(";").map((p) => p.trim());
  const [name, value] = pair.split("=");
  await page.context().addCookies([{ name, value, url: `${base}/hq/v1/auth/oidc/callback`, httpOnly: true, sameSite: "Lax" }]);
  return { authorize, attributes };
}

/** `POST /hq/v1/auth/oidc/complete` from the page, as the HQ screen does. */
function complete(page, code) {
  return page.evaluate(async (code) => {
    const res = await fetch("/hq/v1/auth/oidc/complete", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }) });
    return { status: res.status, body: await res.json() };
  }, code);
}

/** Starts `medicloud cloud ARGS…` and resolves with its address once it listens. */
async function startCloud(args, env) {
  return (await start(["cloud", ...args], env, { url: /listening on (http:\/\/\S+)/ })).url;
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), "medicloud-oidc-e2e-"));
  const dbPath = join(tmp, "cloud.sqlite");
  const database = `sqlite://${dbPath}`;
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const screensPort = await freePort();
  const screensUrl = `http://127.0.0.1:${screensPort}`;
  const provider = await startProvider({
    redirectUri: [`${publicUrl}/hq/v1/auth/oidc/callback`, `${screensUrl}/hq/v1/auth/oidc/callback`],
    clientSecret: CLIENT_SECRET,
  });
  console.log(`OpenID provider at ${provider.issuer}`);
  execFileSync(bin, ["cloud-admin", "--database", database, "user-add", "--username", USERNAME, "--role", "chain_admin"], {
    env: { ...process.env, MEDICLOUD_PASSWORD: "e2e-password-123", RUST_LOG: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = await startCloud(
    ["--database", database, "--listen", `127.0.0.1:${port}`, "--public-url", publicUrl, "--oidc-issuer", provider.issuer, "--oidc-client-id", "medicloud-hq", "--oidc-name", "Medicloud SSO"],
    { MEDICLOUD_OIDC_CLIENT_SECRET: CLIENT_SECRET },
  );
  console.log(`cloud at ${base}`);
  const providers = await (await fetch(`${base}/hq/v1/auth/providers`)).json();
  check("the cloud names its provider for the sign-in button", providers.oidc?.name === "Medicloud SSO" && providers.oidc?.start_url === "/hq/v1/auth/oidc/start", JSON.stringify(providers));

  const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  try {
    const page = await (await browser.newContext()).newPage();
    const callback = await signIn(page, base, USERNAME);
    const code = fragment(page.url(), "login");
    check("signed in at the provider, the browser lands on the HQ screens with a one-time code", !!code && !!callback, page.url());
    check("no token travels in the address", !/access_token|refresh_token|id_token/.test(page.url() + callback));
    const first = await complete(page, code);
    check("the code gives an access token and a refresh token", first.status === 200 && !!first.body.access_token && !!first.body.refresh_token, JSON.stringify(first.body));
    const me = await (await fetch(`${base}/hq/v1/me`, { headers: { Authorization: `Bearer ${first.body.access_token}` } })).json();
    check("the access token is the account's whose username the provider vouched for", me.username === USERNAME && me.role === "chain_admin", JSON.stringify(me));
    const refreshed = await fetch(`${base}/hq/v1/auth/refresh`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: first.body.refresh_token }) });
    check("its refresh token rotates as a password login's does", refreshed.status === 200);
    const second = await complete(page, code);
    check("the same code a second time is refused", second.status === 401 && second.body.code === "oidc_login_expired", JSON.stringify(second));
    const chains = count(dbPath, "SELECT count(*) FROM hq_refresh_chains");
    check("one sign-in, one login", chains === 1, String(chains));

    // The same callback again: its state is used up.
    await page.goto(callback);
    check("the same callback (code and state) a second time is refused", fragment(page.url(), "login_error") === "oidc_login_expired", page.url());
    // A state the cloud never made, with a real code.
    const wrong = new URL(callback);
    wrong.searchParams.set("state", "a-state-the-cloud-never-made");
    await page.goto(wrong.href);
    check("a wrong state is refused", fragment(page.url(), "login_error") === "oidc_login_expired", page.url());
    // A fresh login begun for this browser, not taken on to the provider.
    const { authorize, attributes } = await freshStart(page, base);
    check("the start ties its state to the browser with an HttpOnly cookie for the callback only", attributes.includes("HttpOnly") && attributes.includes("SameSite=Lax") && attributes.includes("Path=/hq/v1/auth/oidc/callback"), attributes.join("; "));
    check(
      "a start redirects to the provider with PKCE S256",
      authorize.origin === provider.issuer && authorize.searchParams.get("code_challenge_method") === "S256" && /^[\w-]{43}$/.test(authorize.searchParams.get("code_challenge")) && authorize.searchParams.get("response_type") === "code" && authorize.searchParams.get("scope") === "openid profile email" && !!authorize.searchParams.get("nonce"),
      authorize.href,
    );
    const replay = new URL(callback);
    replay.searchParams.set("state", authorize.searchParams.get("state"));
    // Its callback from another browser (someone sent a victim a callback URL): refused,
    // and the login stays for the browser that began it.
    const other = await (await browser.newContext()).newPage();
    await other.goto(replay.href);
    check("a callback from a browser that did not begin the login is refused", fragment(other.url(), "login_error") === "oidc_login_expired", other.url());
    // The used code with that fresh, real state: the cloud takes the state, the provider
    // refuses the code.
    await page.goto(replay.href);
    check("a replayed code is refused by the provider", fragment(page.url(), "login_error") === "oidc_refused", page.url());
    check("and none of these made a login", count(dbPath, "SELECT count(*) FROM hq_refresh_chains") === 1 && count(dbPath, "SELECT count(*) FROM hq_oidc_handoffs") === 0);

    // Someone the provider knows and the cloud does not.
    const stranger = await (await browser.newContext()).newPage();
    await signIn(stranger, base, "tamu-tak-dikenal");
    check("a provider username without a cloud account is refused", fragment(stranger.url(), "login_error") === "oidc_unknown_subject", stranger.url());
    check(
      "and no account, login or code is made for it",
      count(dbPath, "SELECT count(*) FROM hq_accounts") === 1 && count(dbPath, "SELECT count(*) FROM hq_refresh_chains") === 1 && count(dbPath, "SELECT count(*) FROM hq_oidc_handoffs") === 0,
    );

    // Cancelled at the provider.
    const cancel = await (await browser.newContext()).newPage();
    await cancel.goto(`${base}/hq/v1/auth/oidc/start`);
    await cancel.getByText("[ Cancel ]").click();
    await cancel.waitForURL(/\/hq\/#login_error=/);
    check("a sign-in cancelled at the provider comes back refused", fragment(cancel.url(), "login_error") === "oidc_refused", cancel.url());

    // Through the screens: the button, the provider, the overview.
    const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
    const screens = await startCloud(
      ["--database", database, "--listen", `127.0.0.1:${screensPort}`, "--public-url", screensUrl, "--ui", dist, "--oidc-issuer", provider.issuer, "--oidc-client-id", "medicloud-hq", "--oidc-name", "Medicloud SSO"],
      { MEDICLOUD_OIDC_CLIENT_SECRET: CLIENT_SECRET },
    );
    const person = await (await browser.newContext({ locale: "id-ID" })).newPage();
    await person.goto(`${screens}/hq`);
    const button = person.getByTestId("hq-sso");
    await button.waitFor();
    check("the head office's login offers the chain's sign-in", (await button.textContent()).includes("Medicloud SSO"), await button.textContent());
    await button.click();
    await person.locator('input[name="login"]').fill(USERNAME);
    await person.locator('input[name="password"]').fill("not checked by the development pages");
    await person.locator('button[type="submit"]').click();
    // The consent page: this browser has not signed in to this client before.
    await person.locator('input[name="prompt"][value="consent"]').waitFor({ state: "attached" });
    await person.locator('button[type="submit"]').click();
    await person.getByTestId("hq-me").waitFor({ timeout: 15000 });
    check("back from the provider, the screens are signed in as that account", (await person.getByTestId("hq-me").textContent()).includes(USERNAME), await person.getByTestId("hq-me").textContent());
    check("and the one-time code is gone from the address bar", !person.url().includes("login="), person.url());
  } finally {
    await browser.close();
    for (const c of children) c.kill("SIGTERM");
    await provider.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`oidc e2e: ${passed()} checks passed`);
}

main().catch((e) => {
  for (const c of children) c.kill("SIGKILL");
  console.error(e.message ?? e);
  console.log(`oidc e2e: FAILED after ${passed()} checks`);
  process.exit(1);
});
