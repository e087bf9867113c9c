// The client program from the User-Agent: `kubectl/v1.28.0 (darwin/arm64) kubernetes/872a965` → kubectl.
const known: [RegExp, string][] = [
  [/^kubectl\b/i, 'kubectl'],
  [/^curl\//i, 'curl'],
  [/^wget\//i, 'wget'],
  [/^python-requests\//i, 'python-requests'],
  [/^go-http-client\//i, 'go-http-client'],
  [/^kubernetes java client/i, 'java-client'],
  [/^openapi-generator\/.*python/i, 'python-client'],
  [/^mozilla\//i, 'browser'],
  [/^kube-probe\//i, 'kube-probe'],
  [/^helm\//i, 'helm'],
];

export function userAgentProduct(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  for (const [re, name] of known) if (re.test(userAgent)) return name;
  // client-go's default: `<binary>/<version> (<os>/<arch>) kubernetes/<commit>` → the binary.
  const end = userAgent.search(/[/ ]/);
  const product = (end < 0 ? userAgent : userAgent.slice(0, end)).toLowerCase();
  return product === '' ? null : product;
}
