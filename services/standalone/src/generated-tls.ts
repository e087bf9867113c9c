// First start without a certificate: a private CA, a server certificate for ingest and the query API, a
// client certificate per cluster, and ready webhook kubeconfigs for kube-apiserver, all under the data
// directory (0600). client-go sends no credentials to an http:// server, so a real API server can only
// authenticate to kaudit over TLS. The CA is kept: a later start with another KAUDIT_HOST, a new cluster or
// a certificate near its end issues only what is missing, and the kubeconfigs already handed out stay valid.
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs it loaded first
import { X509Certificate as NodeX509, randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { stringify } from 'yaml';
import type { IngestToken, TlsConfig } from '#shared/config';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 24 * 60 * 60 * 1000;
const caDays = 3650;
const leafDays = 730;
/** A leaf certificate with fewer days left than this is issued again at start. */
const renewDays = 30;

export interface GeneratedTls {
  /** the directory holding ca.crt, server.crt/key and client-<cluster>.crt/key */
  dir: string;
  caFile: string;
  tls: TlsConfig;
  /** client certificate CN → cluster, for the generated client certificates */
  clientCertClusters: Map<string, string>;
  /** per cluster: the kubeconfig with its bearer token, and the one with its client certificate */
  kubeconfigs: { cluster: string; token: string; mtls: string }[];
  /** what this start wrote anew (for the log) */
  issued: string[];
}

/** The client certificate subject CN of a cluster's generated certificate. */
export const clientCertCn = (cluster: string): string => `kaudit-cluster:${cluster}`;

const wildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '';

/** The names the server certificate carries, and the host written into the kubeconfigs' server URL. */
export function serverNames(host: string): { names: string[]; urlHost: string } {
  const urlHost = wildcard(host) ? os.hostname() : host;
  const names = [...new Set(['localhost', '127.0.0.1', '::1', urlHost])];
  return { names, urlHost };
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

const writePrivate = (file: string, text: string) => {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
};

interface Pair {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
  key: CryptoKey;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
}

async function pemOfKey(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

const serial = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive
  return bytes.toString('hex');
};

async function loadPair(dir: string, name: string): Promise<Pair | undefined> {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  const certPem = readFileSync(certFile, 'utf8');
  const keyPem = readFileSync(keyFile, 'utf8');
  const key = await webcrypto.subtle.importKey('pkcs8', fromPem(keyPem), keyAlgorithm, true, ['sign']);
  return { cert: new x509.X509Certificate(certPem), certPem, keyPem, key };
}

async function savePair(dir: string, name: string, cert: x509.X509Certificate, key: CryptoKey): Promise<Pair> {
  const certPem = cert.toString('pem') + '\n';
  const keyPem = await pemOfKey(key);
  writePrivate(path.join(dir, `${name}.key`), keyPem);
  writePrivate(path.join(dir, `${name}.crt`), certPem);
  return { cert, certPem, keyPem, key };
}

async function createCa(dir: string): Promise<Pair> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=kaudit local CA ${randomBytes(4).toString('hex')}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + caDays * day),
    keys,
    signingAlgorithm: keyAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return savePair(dir, 'ca', cert, keys.privateKey);
}

async function issue(dir: string, name: string, ca: Pair, subject: string, usage: 'server' | 'client', altNames: string[] = []): Promise<Pair> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + leafDays * day),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: keyAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(altNames.length > 0
        ? [new x509.SubjectAlternativeNameExtension(altNames.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })))]
        : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return savePair(dir, name, cert, keys.privateKey);
}

/** A leaf kept from an earlier start: signed by this CA, not near its end, and (server) carrying every name. */
function stillGood(pair: Pair, ca: Pair, names: string[]): boolean {
  const cert = new NodeX509(pair.certPem);
  if (!cert.verify(new NodeX509(ca.certPem).publicKey)) return false;
  if (Date.parse(cert.validTo) - Date.now() < renewDays * day) return false;
  return names.every((n) => (isIP(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n) !== undefined));
}

async function leaf(dir: string, name: string, ca: Pair, subject: string, usage: 'server' | 'client', altNames: string[], issued: string[]): Promise<Pair> {
  const kept = await loadPair(dir, name);
  if (kept && stillGood(kept, ca, altNames)) return kept;
  issued.push(`${name}.crt`);
  return issue(dir, name, ca, subject, usage, altNames);
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A kube-apiserver `--audit-webhook-config-file`: the server, the CA that signs it, and how to authenticate. */
export function webhookKubeconfig(server: string, caPem: string, user: { token: string } | { certPem: string; keyPem: string }): string {
  const auth = 'token' in user ? { token: user.token } : { 'client-certificate-data': b64(user.certPem), 'client-key-data': b64(user.keyPem) };
  return (
    '# kube-apiserver audit webhook configuration for kaudit (--audit-webhook-config-file). Generated by\n' +
    '# kaudit at start; it holds a credential of this cluster: keep it private (mode 0600).\n' +
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kaudit', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
      users: [{ name: 'kube-apiserver', user: auth }],
      contexts: [{ name: 'kaudit', context: { cluster: 'kaudit', user: 'kube-apiserver' } }],
      'current-context': 'kaudit',
    })
  );
}

/**
 * The CA, server certificate and per-cluster client certificates under `<dataDir>/tls`, and per cluster
 * `<dataDir>/webhook/<cluster>.kubeconfig` (bearer token) and `<cluster>-mtls.kubeconfig` (client
 * certificate), written afresh at every start so they follow KAUDIT_HOST, the port and the tokens.
 */
export async function ensureGeneratedTls({ dataDir, host, port, tokens }: { dataDir: string; host: string; port: number; tokens: readonly IngestToken[] }): Promise<GeneratedTls> {
  const dir = path.join(dataDir, 'tls');
  const hooks = path.join(dataDir, 'webhook');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(hooks, { recursive: true, mode: 0o700 });
  const issued: string[] = [];
  let ca = await loadPair(dir, 'ca');
  if (!ca || Date.parse(new NodeX509(ca.certPem).validTo) - Date.now() < renewDays * day) {
    ca = await createCa(dir);
    issued.push('ca.crt');
  }
  const { names, urlHost } = serverNames(host);
  const server = await leaf(dir, 'server', ca, 'CN=kaudit', 'server', names, issued);
  const url = `https://${isIP(urlHost) === 6 ? `[${urlHost}]` : urlHost}:${String(port)}/v1/webhook`;
  const clientCertClusters = new Map<string, string>();
  const kubeconfigs: GeneratedTls['kubeconfigs'] = [];
  for (const cluster of [...new Set(tokens.map((t) => t.cluster))]) {
    const cn = clientCertCn(cluster);
    const client = await leaf(dir, `client-${cluster}`, ca, `CN=${cn}`, 'client', [], issued);
    clientCertClusters.set(cn, cluster);
    const token = tokens.find((t) => t.cluster === cluster)?.token ?? '';
    const files = { cluster, token: path.join(hooks, `${cluster}.kubeconfig`), mtls: path.join(hooks, `${cluster}-mtls.kubeconfig`) };
    writePrivate(files.token, webhookKubeconfig(url, ca.certPem, { token }));
    writePrivate(files.mtls, webhookKubeconfig(url, ca.certPem, { certPem: client.certPem, keyPem: client.keyPem }));
    kubeconfigs.push(files);
  }
  return {
    dir,
    caFile: path.join(dir, 'ca.crt'),
    tls: { cert: server.certPem, key: server.keyPem, clientCa: ca.certPem },
    clientCertClusters,
    kubeconfigs,
    issued,
  };
}
