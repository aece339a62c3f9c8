/**
 * Loaded into both worker processes (`node --expose-gc --import tsx --import bench/worker-preload.mjs …`), the
 * bench's only hook into them:
 * - `maxCachedWorkflows` set explicitly (BENCH_MAX_CACHED_WORKFLOWS) on every Worker.create, so the memory figure
 *   holds its workflows in the cache instead of the SDK's heap-derived default deciding;
 * - GET http://127.0.0.1:BENCH_HEAP_PORT/ runs a full GC and answers the heap used after it, so memory per cached
 *   workflow is read from the heap after GC, not from RSS (which moves with the collector).
 */
// Plain JavaScript: the SDK's workflow threads inherit the process's --import flags and load it before tsx's hooks.
import http from 'node:http';
import { isMainThread } from 'node:worker_threads';
import { Worker } from '@temporalio/worker';

const cached = Number(process.env.BENCH_MAX_CACHED_WORKFLOWS ?? '');
if (isMainThread && Number.isInteger(cached) && cached > 0) {
  const create = Worker.create.bind(Worker);
  Worker.create = (options) => create({ ...options, maxCachedWorkflows: cached });
}

const port = Number(process.env.BENCH_HEAP_PORT ?? '');
if (isMainThread && Number.isInteger(port) && port > 0) {
  const gc = globalThis.gc;
  http
    .createServer((_request, response) => {
      for (let i = 0; i < 3; i += 1) gc?.();
      const usage = process.memoryUsage();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ gc: gc !== undefined, heapUsed: usage.heapUsed, rss: usage.rss }));
    })
    .listen(port, '127.0.0.1')
    .unref();
}
