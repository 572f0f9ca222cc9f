// A SMART Backend Services client's side of private_key_jwt, with Node's own crypto
// (OpenSSL), not the cloud's: `node assertion.mjs key ES384|RS384` prints
// {"private": PEM, "jwks": {keys:[public JWK]}}; `node assertion.mjs sign PEM_FILE
// ALG KID ISS AUD EXP_OFFSET_SECONDS JTI` prints a signed JWT.
import crypto from 'node:crypto';
import fs from 'node:fs';

const b64 = (data) => Buffer.from(data).toString('base64url');
const [mode, ...args] = process.argv.slice(2);

if (mode === 'key') {
  const [alg] = args;
  const { publicKey, privateKey } =
    alg === 'ES384'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: `key-${alg}`, alg, use: 'sig' };
  process.stdout.write(
    JSON.stringify({
      private: privateKey.export({ format: 'pem', type: 'pkcs8' }),
      jwks: { keys: [jwk] },
    }),
  );
} else if (mode === 'sign') {
  const [pemFile, alg, kid, iss, aud, expOffset, jti] = args;
  const now = Math.floor(Date.now() / 1000);
  const header = { alg, typ: 'JWT', kid };
  const claims = { iss, sub: iss, aud, exp: now + Number(expOffset), jti };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  const key = crypto.createPrivateKey(fs.readFileSync(pemFile, 'utf8'));
  const signature = crypto.sign('sha384', Buffer.from(input), {
    key,
    dsaEncoding: 'ieee-p1363',
  });
  process.stdout.write(`${input}.${b64(signature)}`);
} else {
  process.stderr.write('usage: assertion.mjs key ALG | sign PEM ALG KID ISS AUD EXP JTI\n');
  process.exit(2);
}
