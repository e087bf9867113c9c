import { configError as invalid, readConfigFile, setting, switchedOn } from './values.js';

// ingest's GKE route: a Cloud Logging sink of the cluster's audit log → a Pub/Sub topic → a push subscription
// to POST /v1/pubsub, authenticated by the Google-signed OIDC token Pub/Sub adds (the subscription's push
// authentication), verified against a JWKS, the audience and the service accounts configured here.

export const googleJwksUrl = 'https://www.googleapis.com/oauth2/v3/certs';

export interface GkePushConfig {
  /** the `aud` the push subscription's token must carry (its --push-auth-token-audience, default the endpoint URL) */
  audience: string;
  /** the service accounts whose tokens are accepted (the subscription's --push-auth-service-account) */
  serviceAccounts: string[];
  /** where Google's signing keys are: a URL (fetched and cached) or the keys themselves (a JWKS file) */
  jwks: { url: string } | { keys: unknown };
  /** the cluster of an entry that names none (default: each entry's resource.labels.cluster_name) */
  cluster: string | undefined;
}

type RawEnv = Record<string, string | undefined>;

const others = ['KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS', 'KAUDIT_GKE_JWKS_URL', 'KAUDIT_GKE_JWKS_FILE', 'KAUDIT_GKE_CLUSTER'];

/** The GKE push route's settings (KAUDIT_GKE_*), or undefined when KAUDIT_GKE_AUDIENCE is not set. */
export function readGkePush(raw: RawEnv): GkePushConfig | undefined {
  const audience = switchedOn(raw, 'KAUDIT_GKE_AUDIENCE', others, 'the push subscription’s token audience, e.g. https://kaudit.example.com/v1/pubsub');
  if (audience === undefined) return undefined;
  const accounts = (setting(raw, 'KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  // any Google account can mint a token for any audience: the signer is what makes it the subscription's
  if (accounts.length === 0) throw invalid('KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS', 'the service account(s) the push subscription authenticates as are needed (<name>@<project>.iam.gserviceaccount.com)');
  const bad = accounts.find((a) => !/^[^@\s]+@[^@\s]+$/.test(a));
  if (bad !== undefined) throw invalid('KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS', `${JSON.stringify(bad)} is not a service account’s email`);
  const url = setting(raw, 'KAUDIT_GKE_JWKS_URL');
  const file = setting(raw, 'KAUDIT_GKE_JWKS_FILE');
  if (url !== undefined && file !== undefined) throw invalid('KAUDIT_GKE_JWKS_URL', 'set it or KAUDIT_GKE_JWKS_FILE, not both');
  let jwks: GkePushConfig['jwks'];
  if (file !== undefined) {
    let keys: unknown;
    try {
      keys = JSON.parse(readConfigFile('KAUDIT_GKE_JWKS_FILE', file));
    } catch (err) {
      if (err instanceof SyntaxError) throw invalid('KAUDIT_GKE_JWKS_FILE', `${file} is not JSON`);
      throw err;
    }
    if (typeof keys !== 'object' || keys === null || !Array.isArray((keys as { keys?: unknown }).keys)) throw invalid('KAUDIT_GKE_JWKS_FILE', `${file} is no JWKS ({"keys": [...]})`);
    jwks = { keys };
  } else {
    const u = url ?? googleJwksUrl;
    if (!/^https?:\/\/\S+$/.test(u)) throw invalid('KAUDIT_GKE_JWKS_URL', 'expected an http(s) URL');
    jwks = { url: u };
  }
  return { audience, serviceAccounts: accounts, jwks, cluster: setting(raw, 'KAUDIT_GKE_CLUSTER') };
}
