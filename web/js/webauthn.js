// webauthn.js: the browser's passkey ceremonies for the server's options
// (docs/openapi.json: PasskeyCreationOptions, PasskeyRequestOptions) and the
// answers in the shape the server takes (PasskeyRegistration,
// PasskeyAssertion): binary fields as base64url without padding.

function enc(buf) {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function dec(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function passkeysSupported() {
  return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;
}

// Creates a passkey; the registration answer without its name.
export async function createPasskey(opt) {
  const cred = await navigator.credentials.create({
    publicKey: {
      challenge: dec(opt.challenge),
      rp: { id: opt.rp.id, name: opt.rp.name },
      user: { id: dec(opt.user.id), name: opt.user.name, displayName: opt.user.display_name },
      pubKeyCredParams: opt.algorithms.map((alg) => ({ type: 'public-key', alg })),
      timeout: opt.timeout,
      excludeCredentials: opt.exclude_credentials.map((id) => ({ type: 'public-key', id: dec(id) })),
      authenticatorSelection: { residentKey: opt.resident_key, requireResidentKey: opt.resident_key === 'required',
        userVerification: opt.user_verification },
      attestation: opt.attestation,
    },
  });
  return { client_data_json: enc(cred.response.clientDataJSON), attestation_object: enc(cred.response.attestationObject) };
}

// Signs the challenge with a passkey (any discoverable one when
// allow_credentials is empty); the assertion answer.
export async function usePasskey(opt) {
  const cred = await navigator.credentials.get({
    publicKey: {
      challenge: dec(opt.challenge),
      rpId: opt.rp_id,
      timeout: opt.timeout,
      userVerification: opt.user_verification,
      allowCredentials: opt.allow_credentials.map((id) => ({ type: 'public-key', id: dec(id) })),
    },
  });
  const body = {
    credential_id: enc(cred.rawId),
    client_data_json: enc(cred.response.clientDataJSON),
    authenticator_data: enc(cred.response.authenticatorData),
    signature: enc(cred.response.signature),
  };
  if (cred.response.userHandle && cred.response.userHandle.byteLength) body.user_handle = enc(cred.response.userHandle);
  return body;
}
