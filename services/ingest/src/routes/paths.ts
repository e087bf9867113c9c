// The routes that receive audit events, for the hooks that guard them (identify.ts, shed-load.ts).
export const webhookPath = '/v1/webhook';
export const otlpLogsPath = '/v1/logs';
/** Amazon Data Firehose's HTTP endpoint delivery: authenticated by its access-key header, not a bearer token. */
export const firehosePath = '/v1/firehose';
export const firehoseKeyHeader = 'x-amz-firehose-access-key';

/** Pub/Sub push (GKE's Cloud Logging sink): authenticated by Google's OIDC token, when configured. */
export const pubsubPath = '/v1/pubsub';

/** Authenticated and load-shed, one way for all. */
export const ingestPaths: ReadonlySet<string> = new Set([webhookPath, otlpLogsPath, firehosePath, pubsubPath]);
