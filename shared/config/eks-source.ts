import { configError as invalid, setting, switchedOn } from './values.js';

// The EKS pull source of ingest: the log groups EKS writes a cluster's control-plane `audit` log type to
// (`/aws/eks/<cluster>/cluster`, streams `kube-apiserver-audit-…`), read through the CloudWatch Logs API.
// AWS credentials come from the SDK's default chain (environment, shared config, IRSA / EKS Pod Identity,
// instance or task role): none is read here.

export interface EksLogGroup {
  name: string;
  /** the cluster its events are attributed to */
  cluster: string;
}

export interface EksSourceConfig {
  groups: EksLogGroup[];
  region: string;
  /** another CloudWatch Logs endpoint (a VPC endpoint, a FIPS one, an emulator); undefined: the region's */
  endpoint: string | undefined;
  /** only the streams whose name starts so are read (EKS's audit streams) */
  streamPrefix: string;
  /** pause between two polls of a group that had nothing new */
  pollMs: number;
  /** log events per GetLogEvents page (at most 10,000, the API's own limit; it also stops at 1 MB) */
  pageEvents: number;
  /**
   * Where a stream is read from when the source has no checkpoint of its group yet: `beginning` (all the
   * group keeps), a time, or the source's first start (`now`). A stream that appears once the group has a
   * checkpoint is always read from its beginning.
   */
  start: 'beginning' | Date | 'now';
}

type RawEnv = Record<string, string | undefined>;

const eksGroup = /^\/aws\/eks\/([^/]+)\/cluster$/;
const variables = ['KAUDIT_EKS_CLUSTER', 'KAUDIT_EKS_REGION', 'KAUDIT_EKS_ENDPOINT', 'KAUDIT_EKS_STREAM_PREFIX', 'KAUDIT_EKS_POLL_SECONDS', 'KAUDIT_EKS_PAGE_EVENTS', 'KAUDIT_EKS_START'];

/** The EKS source's settings (KAUDIT_EKS_*), or undefined when KAUDIT_EKS_LOG_GROUPS is not set. */
export function readEksSource(raw: RawEnv): EksSourceConfig | undefined {
  const groupsText = switchedOn(raw, 'KAUDIT_EKS_LOG_GROUPS', variables, 'the cluster’s log group, /aws/eks/<cluster>/cluster');
  if (groupsText === undefined) return undefined;
  const names = groupsText.split(',').map((g) => g.trim()).filter((g) => g !== '');
  if (new Set(names).size !== names.length) throw invalid('KAUDIT_EKS_LOG_GROUPS', 'a log group is listed twice');
  const cluster = setting(raw, 'KAUDIT_EKS_CLUSTER');
  if (cluster !== undefined && names.length > 1) throw invalid('KAUDIT_EKS_CLUSTER', 'names one cluster for one log group; with several, each group’s cluster comes from its name (/aws/eks/<cluster>/cluster)');
  const groups = names.map((name) => {
    if (!/^[\w#./-]{1,512}$/.test(name)) throw invalid('KAUDIT_EKS_LOG_GROUPS', `${JSON.stringify(name)} is not a log group name`);
    const own = cluster ?? eksGroup.exec(name)?.[1];
    if (own === undefined) throw invalid('KAUDIT_EKS_LOG_GROUPS', `${name} is not named /aws/eks/<cluster>/cluster: set KAUDIT_EKS_CLUSTER to the cluster its events come from`);
    return { name, cluster: own };
  });
  const region = setting(raw, 'KAUDIT_EKS_REGION') ?? setting(raw, 'AWS_REGION') ?? setting(raw, 'AWS_DEFAULT_REGION');
  if (region === undefined) throw invalid('KAUDIT_EKS_REGION', 'the cluster’s AWS region is needed (or AWS_REGION)');
  const endpoint = setting(raw, 'KAUDIT_EKS_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint)) throw invalid('KAUDIT_EKS_ENDPOINT', 'expected an http(s) URL');
  const pollText = setting(raw, 'KAUDIT_EKS_POLL_SECONDS') ?? '5';
  const poll = Number(pollText);
  if (!Number.isFinite(poll) || poll < 0.1 || poll > 3600) throw invalid('KAUDIT_EKS_POLL_SECONDS', 'expected seconds between 0.1 and 3600');
  const pageText = setting(raw, 'KAUDIT_EKS_PAGE_EVENTS') ?? '10000';
  const pageEvents = Number(pageText);
  if (!Number.isInteger(pageEvents) || pageEvents < 1 || pageEvents > 10_000) throw invalid('KAUDIT_EKS_PAGE_EVENTS', 'expected a whole number from 1 to 10000');
  const startText = setting(raw, 'KAUDIT_EKS_START') ?? 'now';
  let start: EksSourceConfig['start'];
  if (startText === 'now' || startText === 'beginning') start = startText;
  else {
    const t = new Date(startText);
    if (!/^\d{4}-\d\d-\d\dT/.test(startText) || Number.isNaN(t.getTime())) throw invalid('KAUDIT_EKS_START', 'expected now, beginning or an RFC 3339 time');
    start = t;
  }
  return { groups, region, endpoint, streamPrefix: setting(raw, 'KAUDIT_EKS_STREAM_PREFIX') ?? 'kube-apiserver-audit-', pollMs: Math.round(poll * 1000), pageEvents, start };
}
