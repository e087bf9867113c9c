import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import type { GkePushConfig } from '#shared/config';

// The OIDC token Pub/Sub puts in a push request's Authorization header (the subscription's push
// authentication): an RS256 JWT signed by Google, whose `aud` is the subscription's audience and whose
// `email` is the service account the subscription pushes as. Verified with jose against the JWKS (Google's
// keys, fetched and cached, or a configured set), the audience, Google's issuer and the accepted accounts.

const googleIssuers = ['https://accounts.google.com', 'accounts.google.com'];
/** tokens remembered as verified (a few subscriptions renew theirs hourly: far fewer) */
const maxRemembered = 1000;

export type PushTokenCheck = { ok: true; email: string } | { ok: false; reason: string };
/** Checks the bearer token of a push request (undefined: it had none). */
export type PushTokenVerifier = (token: string | undefined) => Promise<PushTokenCheck>;

export function createPushTokenVerifier(config: GkePushConfig): PushTokenVerifier {
  const keys = 'url' in config.jwks ? createRemoteJWKSet(new URL(config.jwks.url), { cooldownDuration: 30_000, cacheMaxAge: 3_600_000 }) : createLocalJWKSet(config.jwks.keys as JSONWebKeySet);
  const accounts = new Set(config.serviceAccounts.map((a) => a.toLowerCase()));
  // Pub/Sub sends one token with many pushes (it renews it before it expires): a token that verified is
  // taken again without its signature checked, until its own expiry
  const verified = new Map<string, { email: string; expiresMs: number }>();
  return async (token) => {
    if (token === undefined) return { ok: false, reason: 'no bearer token' };
    const known = verified.get(token);
    if (known !== undefined) {
      if (Date.now() < known.expiresMs) return { ok: true, email: known.email };
      verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: googleIssuers, audience: config.audience, algorithms: ['RS256'], clockTolerance: 30 });
      const email = typeof payload.email === 'string' ? payload.email : undefined;
      if (email === undefined || payload.email_verified !== true) return { ok: false, reason: 'the token names no verified email' };
      if (!accounts.has(email.toLowerCase())) return { ok: false, reason: `the token is ${email}’s, not an accepted push service account’s` };
      if (typeof payload.exp === 'number') {
        if (verified.size >= maxRemembered) verified.clear();
        verified.set(token, { email, expiresMs: payload.exp * 1000 });
      }
      return { ok: true, email };
    } catch (err) {
      // jose's reasons name the claim or the signature, never the token
      if (err instanceof errors.JOSEError) return { ok: false, reason: `${err.code}: ${err.message}` };
      throw err;
    }
  };
}
