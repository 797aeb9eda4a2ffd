// Who is sending: the portal's `authorize(request)` hook, or a JWT (`Authorization: Bearer`)
// verified with `jose` (HS256 with a shared secret, or RS256/ES256 against a JWKS URL), or
// nobody at all in demo mode. Whatever fails is 401 `unauthorized`, and nothing is forwarded.

const PATIENT_ID = /^[^\s\p{Cc}]{1,128}$/u;

/** A patient ID as the module accepts it (1-128 characters, no spaces or control characters). */
export function patientIdFrom(value) {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) value = String(value);
  return typeof value === 'string' && PATIENT_ID.test(value) ? value : null;
}

/** Builds the JWT verifier for {secret | jwksUrl, issuer, audience, clockToleranceSec?, maxTokenAgeSec?}. */
function jwtVerifier(jwt, maxTokenAgeSec) {
  const tolerance = jwt.clockToleranceSec ?? 5;
  let ready;
  const load = () =>
    (ready ??= import('jose').then((jose) => {
      const key = jwt.secret !== undefined ? new TextEncoder().encode(jwt.secret) : jose.createRemoteJWKSet(new URL(jwt.jwksUrl));
      const algorithms = jwt.secret !== undefined ? ['HS256'] : ['RS256', 'ES256'];
      return { jose, key, algorithms };
    }));
  return async (request) => {
    const header = request.headers.get('authorization') ?? '';
    const m = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
    if (!m) return null;
    const { jose, key, algorithms } = await load();
    try {
      const { payload } = await jose.jwtVerify(m[1], key, {
        algorithms,
        requiredClaims: ['exp', 'sub', 'iat', 'aud'],
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: tolerance,
        maxTokenAge: maxTokenAgeSec,
      });
      // A token valid for longer than the maximum age is refused too, not only an old one.
      if (payload.exp - payload.iat > maxTokenAgeSec + tolerance) return null;
      const patientId = patientIdFrom(payload.sub);
      return patientId ? { patientId } : null;
    } catch {
      return null;
    }
  };
}

/**
 * The authenticator for the configuration: (request, context) -> Promise<{patientId} | null>,
 * where patientId is null in demo mode (nobody is authenticated; senders are not bound). A
 * hook that throws, or answers anything but {patientId}, refuses. Idempotency keys are
 * scoped by the patient alone (a hook's `scope`, e.g. a session, is not used), so a resend
 * after signing in again finds its key.
 */
export function createAuthenticator(config) {
  if (config.authorize) {
    return async (request, context) => {
      let result;
      try {
        result = await config.authorize(request, context);
      } catch {
        config.log(`${new Date().toISOString()} proxy authorize() threw; answered 401`);
        return null;
      }
      if (!result) return null;
      const patientId = patientIdFrom(result.patientId);
      if (!patientId) {
        config.log(`${new Date().toISOString()} proxy authorize() returned no valid patientId; answered 401`);
        return null;
      }
      return { patientId };
    };
  }
  if (config.jwt) return jwtVerifier(config.jwt, config.jwt.maxTokenAgeSec ?? config.jwtMaxTokenAgeSec);
  return async () => ({ patientId: null });
}
