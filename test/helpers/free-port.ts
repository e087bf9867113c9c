import net from 'node:net';
import { listeningPort } from '#shared/http';

/** Ports this process has handed out: the kernel may offer a port again once it is closed. */
const handedOut = new Set<number>();

/**
 * A loopback port free right now, for a child process that must be told its port up front; never one
 * handed out before in this process (two freePort() calls in a row can otherwise get the same port).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyFreePort(): Promise<number> {
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
