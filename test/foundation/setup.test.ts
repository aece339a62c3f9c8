/** scripts/setup.sh left working Temporal binaries in .tools/bin (built, never downloaded). */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpOpen, waitUntil } from '../../scripts/launcher/probes.js';
import { projectRoot } from '../helpers/temporal.js';

const bin = path.join(projectRoot, '.tools', 'bin');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe('setup', () => {
  it('installed the Temporal CLI, which answers with its version', () => {
    const cli = path.join(bin, 'temporal');
    expect(existsSync(cli), `${cli} missing: run npm run setup`).toBe(true);
    const version = execFileSync(cli, ['--version'], { encoding: 'utf8' });
    expect(version).toMatch(/^temporal version \S+ \(Server \d+\.\d+\.\d+/);
  });

  it('installed the Java time-skipping test server, which accepts connections', async () => {
    const server = path.join(bin, 'temporal-test-server');
    expect(existsSync(server), `${server} missing: run npm run setup`).toBe(true);
    const port = await freePort();
    const child = spawn(server, [String(port)], { stdio: 'ignore' });
    let gone = false;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve())).then(() => (gone = true));
    try {
      const open = await waitUntil(() => tcpOpen('127.0.0.1', port), { timeoutMs: 30_000, stopped: () => gone });
      expect(open).toBe(true);
    } finally {
      child.kill('SIGTERM');
      const killLater = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killLater);
    }
  });
});
