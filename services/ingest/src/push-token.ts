import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import type { GkePushConfig } from '#shared/config';

// The OIDC token Pub/Sub puts in a push request's Authorization header (the subscription's push
// authentication): an RS256 JWT signed by Google, whose `aud` is the subscription's audience and whose
// `email` is the service account the subscription pushes as. Verified with jose against the JWKS (Google's
// keys, fetched and cached, or a configured set), the audience, Google's issuer and the accepted accounts.

const googleIssuers = ['https://accounts.google.com', 'accounts.google.com'];

export type PushTokenCheck = { ok: true; email: string } | { ok: false; reason: string };
export type PushTokenVerifier = (authorization: string | undefined) => Promise<PushTokenCheck>;

export function createPushTokenVerifier(config: GkePushConfig): PushTokenVerifier {
  const keys = 'url' in config.jwks ? createRemoteJWKSet(new URL(config.jwks.url), { cooldownDuration: 30_000, cacheMaxAge: 3_600_000 }) : createLocalJWKSet(config.jwks.keys as JSONWebKeySet);
  const accounts = new Set(config.serviceAccounts.map((a) => a.toLowerCase()));
  return async (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (m?.[1] === undefined) return { ok: false, reason: 'no bearer token' };
    try {
      const { payload } = await jwtVerify(m[1], keys, { issuer: googleIssuers, audience: config.audience, algorithms: ['RS256'], clockTolerance: 30 });
      const email = typeof payload.email === 'string' ? payload.email : undefined;
      if (email === undefined || payload.email_verified !== true) return { ok: false, reason: 'the token names no verified email' };
      if (!accounts.has(email.toLowerCase())) return { ok: false, reason: `the token is ${email}’s, not an accepted push service account’s` };
      return { ok: true, email };
    } catch (err) {
      // jose's reasons name the claim or the signature, never the token
      if (err instanceof errors.JOSEError) return { ok: false, reason: `${err.code}: ${err.message}` };
      throw err;
    }
  };
}
