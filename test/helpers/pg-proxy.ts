/** A TCP proxy in front of the PostgreSQL server under test, to take the database away. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { PG_URL } from './pg.js';

/** A TCP proxy in front of the PostgreSQL server under test, that can be taken away. */
export async function pgProxy(): Promise<{
  port: number;
  /** The URL of the server under test, through the proxy. */
  url: string;
  kill: () => Promise<void>;
}> {
  const target = new URL(PG_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(PG_URL);
  url.port = String(port);
  url.hostname = '127.0.0.1';
  return {
    port,
    url: url.toString(),
    kill: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
