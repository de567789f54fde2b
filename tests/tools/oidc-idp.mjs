// oidc-idp.mjs: two OpenID providers on 127.0.0.1 for the tests of single
// sign-on, started by the test and stopped by it (SIGTERM, or when its stdin
// closes).
//
//  - "real": oidc-provider (a certified implementation) with one confidential
//    client, "labpass", registered for the redirect URI given on the command
//    line (client_secret_basic, PKCE). Its login and consent pages are
//    replaced by an interaction that signs in the account the test chose
//    (GET /__test/account?sub=...&email=...&groups=a,b&name=...) without a
//    form, so a test can follow the redirects with plain HTTP.
//  - "forge": a minimal provider written with jose whose token endpoint
//    answers with an ID token the test shapes (GET /__test/forge?mode=...&now=
//    ...): ok, rotated (signed by a key it no longer publishes), aud (for
//    another client), expired. Its times come from the test's clock (now), so
//    they never depend on the machine's date.
//
// Usage: node oidc-idp.mjs REDIRECT_URI; prints "READY <real-port> <forge-port>".
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

// stdout carries the READY line only (the test stops reading after it):
// everything else oidc-provider says goes to stderr.
console.log = console.info = console.warn = (...a) => console.error(...a);
process.stdout.on('error', () => {});
const redirect = process.argv[2];
if (!redirect) { console.error('usage: oidc-idp.mjs REDIRECT_URI'); process.exit(2); }

function listen(handler) {
  return new Promise((resolve) => {
    const srv = http.createServer(handler);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

// ---- the real provider ----
let current = { sub: 'alice', email: 'alice@acme.example', name: 'Alice', groups: [] };
const accounts = new Map();
let realHandler = null;
const real = await listen((req, res) => realHandler(req, res));
const realIssuer = `http://127.0.0.1:${real.address().port}`;
const rsa = await jose.generateKeyPair('RS256', { extractable: true });
const realJwk = { ...(await jose.exportJWK(rsa.privateKey)), kid: 'real-1', alg: 'RS256', use: 'sig' };
const provider = new Provider(realIssuer, {
  clients: [{ client_id: 'labpass', client_secret: 'labpass-test-secret-0123456789', redirect_uris: [redirect],
    grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
  jwks: { keys: [realJwk] },
  cookies: { keys: ['labpass-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  conformIdTokenClaims: false,   // the ID token carries email and groups (labpass reads only the ID token)
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (ctx, id) => {
    const a = accounts.get(id);
    return a && { accountId: id, claims: () => ({ sub: id, email: a.email, email_verified: true, name: a.name, groups: a.groups }) };
  },
});
const providerCallback = provider.callback();
realHandler = async (req, res) => {
  const url = new URL(req.url, realIssuer);
  try {
    if (url.pathname === '/__test/account') {
      current = { sub: url.searchParams.get('sub'), email: url.searchParams.get('email'),
        name: url.searchParams.get('name') || '', groups: (url.searchParams.get('groups') || '').split(',').filter(Boolean) };
      accounts.set(current.sub, current);
      res.writeHead(204).end();
      return;
    }
    const m = url.pathname.match(/^\/interaction\/([\w-]+)$/);
    if (m) {
      const details = await provider.interactionDetails(req, res);
      let result;
      if (details.prompt.name === 'login') {
        accounts.set(current.sub, current);
        result = { login: { accountId: current.sub } };
      } else {
        const grant = details.grantId ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        result = { consent: { grantId: await grant.save() } };
      }
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      return;
    }
    providerCallback(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
  }
};

// ---- the forging provider ----
const forgeKey = await jose.generateKeyPair('ES256', { extractable: true });
const oldKey = await jose.generateKeyPair('ES256', { extractable: true });
const forgePub = { ...(await jose.exportJWK(forgeKey.publicKey)), kid: 'forge-2', alg: 'ES256', use: 'sig' };
let forge = { mode: 'ok', now: 0, sub: 'forged-1', email: 'forged@acme.example' };
const codes = new Map();
let forgeHandler = null;
const forgeSrv = await listen((req, res) => forgeHandler(req, res));
const forgeIssuer = `http://127.0.0.1:${forgeSrv.address().port}`;
function json(res, code, body) { res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body)); }
forgeHandler = async (req, res) => {
  const url = new URL(req.url, forgeIssuer);
  if (url.pathname === '/.well-known/openid-configuration') {
    json(res, 200, { issuer: forgeIssuer, authorization_endpoint: `${forgeIssuer}/authorize`,
      token_endpoint: `${forgeIssuer}/token`, jwks_uri: `${forgeIssuer}/jwks`, response_types_supported: ['code'],
      subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] });
  } else if (url.pathname === '/jwks') {
    json(res, 200, { keys: [forgePub] });
  } else if (url.pathname === '/__test/forge') {
    forge = { mode: url.searchParams.get('mode'), now: Number(url.searchParams.get('now')),
      sub: url.searchParams.get('sub') || 'forged-1', email: url.searchParams.get('email') || 'forged@acme.example' };
    res.writeHead(204).end();
  } else if (url.pathname === '/authorize') {
    const code = crypto.randomBytes(16).toString('hex');
    codes.set(code, { nonce: url.searchParams.get('nonce'), challenge: url.searchParams.get('code_challenge') });
    const back = new URL(url.searchParams.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state'));
    res.writeHead(302, { location: back.toString() }).end();
  } else if (url.pathname === '/token' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const c = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    const verifier = form.get('code_verifier') || '';
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    if (!c || c.challenge !== challenge) { json(res, 400, { error: 'invalid_grant' }); return; }
    const now = forge.now;
    const claims = { sub: forge.sub, email: forge.email, email_verified: true, nonce: c.nonce,
      aud: forge.mode === 'aud' ? 'another-client' : 'labpass' };
    const iat = forge.mode === 'expired' ? now - 7200 : now;
    const key = forge.mode === 'rotated' ? oldKey.privateKey : forgeKey.privateKey;
    const kid = forge.mode === 'rotated' ? 'forge-1' : 'forge-2';
    const idToken = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(forgeIssuer).setIssuedAt(iat).setExpirationTime(iat + 300).sign(key);
    json(res, 200, { access_token: 'unused', token_type: 'Bearer', id_token: idToken });
  } else {
    json(res, 404, { error: 'not_found' });
  }
};

process.stdout.write(`READY ${real.address().port} ${forgeSrv.address().port}\n`);
const stop = () => { real.close(); forgeSrv.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
