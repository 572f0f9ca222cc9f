// A real OpenID Connect provider (npm `oidc-provider`) on loopback, for the cloud's
// OpenID Connect login test (e2e/oidc.mjs): one confidential client that must use PKCE,
// its own RS256 signing key, and the library's development sign-in pages (any username
// signs in, the password is not checked; then a consent page). The username typed is
// the subject, and its `preferred_username` claim, in the ID token.
//   import { startProvider } from "./oidc-provider.mjs"
//   node e2e/oidc-provider.mjs REDIRECT_URI   prints the issuer; client medicloud-hq,
//                                             secret from $OIDC_CLIENT_SECRET
import { createServer } from "node:http";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import Provider from "oidc-provider";

/** Starts the provider on 127.0.0.1 (a free port) for a client whose callbacks are
 * `redirectUri` (one, or a list); `{ issuer, close }`. */
export async function startProvider({ redirectUri, clientId = "medicloud-hq", clientSecret }) {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = { ...privateKey.export({ format: "jwk" }), kid: "e2e-rs256", alg: "RS256", use: "sig" };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri].flat(),
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // PKCE for every client, this confidential one too.
    pkce: { required: () => true },
    jwks: { keys: [key] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: { openid: ["sub"], profile: ["preferred_username", "name"], email: ["email", "email_verified"] },
    // The claims in the ID token itself (as most providers send them), not only at userinfo.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, preferred_username: sub, name: sub, email: `${sub}@example.test`, email_verified: true };
        },
      };
    },
    features: { devInteractions: { enabled: true } },
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  // Quiet: the library warns about its development pages and keys, which is what this is.
  provider.on("server_error", (_ctx, err) => console.error("oidc-provider:", err));
  server.on("request", provider.callback());
  return {
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const redirectUri = process.argv[2];
  if (!redirectUri) throw new Error("usage: node e2e/oidc-provider.mjs REDIRECT_URI");
  const { issuer } = await startProvider({ redirectUri, clientSecret: process.env.OIDC_CLIENT_SECRET ?? "e2e-client-secret" });
  console.log(issuer);
}
