// The EKS source's settings (KAUDIT_EKS_*, shared/config/eks-source.ts): what is accepted, and every refusal
// names its variable.
import { describe, expect, it } from 'vitest';
import { readEksSource } from '#shared/config';

const base = { KAUDIT_EKS_LOG_GROUPS: '/aws/eks/prod/cluster', AWS_REGION: 'eu-west-1' };

describe('KAUDIT_EKS_* settings', () => {
  it('is off without KAUDIT_EKS_LOG_GROUPS, and says so when another of its settings is set', () => {
    expect(readEksSource({})).toBeUndefined();
    expect(() => readEksSource({ KAUDIT_EKS_REGION: 'eu-west-1' })).toThrow(/KAUDIT_EKS_REGION: is set, but KAUDIT_EKS_LOG_GROUPS is not/);
  });

  it('takes the cluster from the log group’s name, and the defaults', () => {
    expect(readEksSource(base)).toEqual({ groups: [{ name: '/aws/eks/prod/cluster', cluster: 'prod' }], region: 'eu-west-1', endpoint: undefined, streamPrefix: 'kube-apiserver-audit-', pollMs: 5000, pageEvents: 10_000, start: 'now' });
  });

  it('reads several groups, an endpoint, the poll, the page size and each kind of start', () => {
    const c = readEksSource({ KAUDIT_EKS_LOG_GROUPS: '/aws/eks/a/cluster, /aws/eks/b/cluster', KAUDIT_EKS_REGION: 'us-east-2', AWS_REGION: 'eu-west-1', KAUDIT_EKS_ENDPOINT: 'https://logs.us-east-2.amazonaws.com', KAUDIT_EKS_POLL_SECONDS: '0.5', KAUDIT_EKS_PAGE_EVENTS: '500', KAUDIT_EKS_START: 'beginning' });
    expect(c).toMatchObject({ groups: [{ name: '/aws/eks/a/cluster', cluster: 'a' }, { name: '/aws/eks/b/cluster', cluster: 'b' }], region: 'us-east-2', endpoint: 'https://logs.us-east-2.amazonaws.com', pollMs: 500, pageEvents: 500, start: 'beginning' });
    expect(readEksSource({ ...base, KAUDIT_EKS_START: '2026-12-01T00:00:00Z' })?.start).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(readEksSource({ KAUDIT_EKS_LOG_GROUPS: '/custom/audit', KAUDIT_EKS_CLUSTER: 'prod', AWS_DEFAULT_REGION: 'ap-south-1' })).toMatchObject({ groups: [{ name: '/custom/audit', cluster: 'prod' }], region: 'ap-south-1' });
  });

  it.each([
    [{ ...base, AWS_REGION: '' }, /KAUDIT_EKS_REGION: the cluster’s AWS region is needed/],
    [{ ...base, KAUDIT_EKS_LOG_GROUPS: '/custom/audit' }, /KAUDIT_EKS_LOG_GROUPS: \/custom\/audit is not named \/aws\/eks\/<cluster>\/cluster: set KAUDIT_EKS_CLUSTER/],
    [{ ...base, KAUDIT_EKS_LOG_GROUPS: '/aws/eks/a/cluster,/aws/eks/a/cluster' }, /listed twice/],
    [{ ...base, KAUDIT_EKS_LOG_GROUPS: '/aws/eks/a/cluster,/aws/eks/b/cluster', KAUDIT_EKS_CLUSTER: 'x' }, /KAUDIT_EKS_CLUSTER: names one cluster for one log group/],
    [{ ...base, KAUDIT_EKS_LOG_GROUPS: '/aws/eks/a b/cluster' }, /is not a log group name/],
    [{ ...base, KAUDIT_EKS_ENDPOINT: 'logs.local:4566' }, /KAUDIT_EKS_ENDPOINT: expected an http\(s\) URL/],
    [{ ...base, KAUDIT_EKS_POLL_SECONDS: '0' }, /KAUDIT_EKS_POLL_SECONDS/],
    [{ ...base, KAUDIT_EKS_PAGE_EVENTS: '10001' }, /KAUDIT_EKS_PAGE_EVENTS/],
    [{ ...base, KAUDIT_EKS_START: 'yesterday' }, /KAUDIT_EKS_START: expected now, beginning or an RFC 3339 time/],
  ])('refuses %o', (raw, message) => {
    expect(() => readEksSource(raw)).toThrow(message);
  });
});
