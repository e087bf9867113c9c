import net from 'node:net';
import { listeningPort } from '#shared/http';

/** A loopback port free right now, for a child process that must be told its port up front. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = listeningPort(s);
      s.close(() => {
        resolve(port);
      });
    });
  });
}
