// A real OpenID Connect provider for the tests: panva's oidc-provider, set up like a
// council's Microsoft Entra ID (ID tokens carry `tid` and app `roles`), on a loopback port.
//
//   node tests/oidc_provider/provider.mjs CONFIG.json
//
// CONFIG.json: {"client": {"client_id", "client_secret", "redirect_uris"},
//               "accounts": {"<sub>": {claims...}}}
// The accounts are read again at every sign-in, so a test can change someone's roles.
// Prints one line of JSON, {"issuer": "http://127.0.0.1:PORT"}, once it is listening.
// Sign-in uses the library's development login form: any password is accepted for a
// known account (the `login` field is the account's sub).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: provider.mjs CONFIG.json');
  process.exit(2);
}
const readConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const { client } = readConfig();

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

async function findAccount(ctx, id) {
  const claims = readConfig().accounts[id];
  if (!claims) return undefined;
  return {
    accountId: id,
    async claims() {
      return { ...claims, sub: id };
    },
  };
}

const configuration = {
  clients: [{
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  findAccount,
  // Entra puts `tid` and app `roles` in the ID token; so does this provider.
  claims: {
    openid: ['sub', 'tid', 'roles'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'department'],
    email: ['email'],
  },
  conformIdTokenClaims: false,
  // Every authorization request must carry a PKCE challenge (S256).
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
