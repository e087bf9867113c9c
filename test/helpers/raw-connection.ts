// A raw TCP connection to a loopback server, for what fetch cannot send (headers without their body, a body
// that trickles in): it keeps what the server answers and whether the server closed the connection.
import { connect, type Socket } from 'node:net';

/** Connects to 127.0.0.1:`port`; the socket goes into `sockets`, which the test destroys afterwards. */
export function rawConnection(port: number, sockets: Socket[]): { socket: Socket; answer: () => string; closed: () => boolean } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let answer = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { socket, answer: () => answer, closed: () => closed };
}
