// A notify webhook's receiver for tests: answers 503 until `up()` (or at once with `{ up: true }`), then
// records each request's path, Idempotency-Key and JSON body (a group's count, 1 for a finding).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  key: string;
  /** the group's count, or 1 for a finding on its own */
  count: number;
  body: Record<string, unknown> & { user?: string; group?: { id: string; count: number; first: string; last: string; findingIds: string[] } };
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/ */
  url: string;
  got: Received[];
  up(): void;
  close(): Promise<void>;
}

export async function webhookReceiver({ up = false }: { up?: boolean } = {}): Promise<WebhookReceiver> {
  const got: Received[] = [];
  let isUp = up;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      if (!isUp) {
        res.writeHead(503).end('down');
        return;
      }
      const body = JSON.parse(text) as Received['body'];
      got.push({ path: req.url ?? '', key: String(req.headers['idempotency-key']), count: body.group?.count ?? 1, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`,
    got,
    up: () => {
      isUp = true;
    },
    close: () => new Promise((r) => server.close(() => { r(); })),
  };
}
