/**
 * The bench's bare route: a fastify server in a process of its own (as the deployment's
 * server is) whose one POST route does no work, so the served latency is compared with what
 * HTTP alone costs across two processes here. Prints its port, then serves until killed.
 */
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/noop', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
}

void main();
