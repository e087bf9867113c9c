// fetch for a server whose certificate a private CA signs (npm start's generated one): Node's global fetch
// takes no CA, so this speaks node:https and answers with the part of a Response the tests use.
import { request } from 'node:https';

export interface SmallResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export function fetchWithCa(url: string, init: { ca: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; cert?: string; key?: string }): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ca: init.ca, ...(init.cert ? { cert: init.cert, key: init.key } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: () => Promise.resolve(body), json: () => Promise.resolve(JSON.parse(body) as unknown) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
