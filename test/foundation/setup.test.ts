/** scripts/setup.sh left working Temporal binaries in .tools/bin (built, never downloaded). */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort } from '../../scripts/launcher/ports.js';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpOpen, waitUntil } from '../../scripts/launcher/probes.js';
import { projectRoot } from '../helpers/temporal.js';

const bin = path.join(projectRoot, '.tools', 'bin');

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

describe('npm start', () => {
  it('does not install the Java test server, which only the tests use', () => {
    // A checkout where everything but the test server is in place, with a setup.sh that only says it ran.
    const checkout = mkdtempSync(path.join(tmpdir(), 'start-setup-'));
    try {
      mkdirSync(path.join(checkout, 'scripts'));
      copyFileSync(
        path.join(projectRoot, 'scripts', 'ensure-setup.sh'),
        path.join(checkout, 'scripts', 'ensure-setup.sh'),
      );
      writeFileSync(path.join(checkout, 'scripts', 'setup.sh'), 'touch setup-ran\n');
      writeFileSync(path.join(checkout, 'package-lock.json'), '{}');
      mkdirSync(path.join(checkout, 'node_modules'));
      writeFileSync(path.join(checkout, 'node_modules', '.package-lock.json'), '{}');
      mkdirSync(path.join(checkout, '.tools', 'bin'), { recursive: true });
      writeFileSync(path.join(checkout, '.tools', 'bin', 'temporal'), '#!/bin/sh\n', { mode: 0o755 });

      const start = (
        JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
          scripts: Record<string, string>;
        }
      ).scripts.start!;
      const setupPart = start.split('&&')[0]!.trim();
      const env = { ...process.env };
      delete env.SETUP_SKIP_TEST_SERVER;
      execFileSync('bash', ['-c', setupPart], { cwd: checkout, env, stdio: 'ignore' });
      expect(existsSync(path.join(checkout, 'setup-ran'))).toBe(false);

      // `npm test` does install it: the same checkout runs setup.
      const test = (
        JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
          scripts: Record<string, string>;
        }
      ).scripts.test!;
      execFileSync('bash', ['-c', test.split('&&')[0]!.trim()], { cwd: checkout, env, stdio: 'ignore' });
      expect(existsSync(path.join(checkout, 'setup-ran'))).toBe(true);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});

describe('the Temporal server of the PostgreSQL cluster', () => {
  it('is built for npm test and npm run cluster, never for npm start', () => {
    // A checkout with everything npm start and the dev-server tests need, but no cluster server.
    const checkout = mkdtempSync(path.join(tmpdir(), 'cluster-setup-'));
    try {
      mkdirSync(path.join(checkout, 'scripts'));
      copyFileSync(
        path.join(projectRoot, 'scripts', 'ensure-setup.sh'),
        path.join(checkout, 'scripts', 'ensure-setup.sh'),
      );
      writeFileSync(path.join(checkout, 'scripts', 'setup.sh'), 'echo "$SETUP_CLUSTER" > setup-ran\n');
      writeFileSync(path.join(checkout, 'package-lock.json'), '{}');
      mkdirSync(path.join(checkout, 'node_modules'));
      writeFileSync(path.join(checkout, 'node_modules', '.package-lock.json'), '{}');
      mkdirSync(path.join(checkout, '.tools', 'bin'), { recursive: true });
      for (const tool of ['temporal', 'temporal-test-server']) {
        writeFileSync(path.join(checkout, '.tools', 'bin', tool), '#!/bin/sh\n', { mode: 0o755 });
      }
      const scripts = (
        JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
          scripts: Record<string, string>;
        }
      ).scripts;
      const env = { ...process.env };
      delete env.SETUP_CLUSTER;
      const setupRan = (script: string): string | undefined => {
        rmSync(path.join(checkout, 'setup-ran'), { force: true });
        execFileSync('bash', ['-c', scripts[script]!.split('&&')[0]!.trim()], { cwd: checkout, env, stdio: 'ignore' });
        const marker = path.join(checkout, 'setup-ran');
        return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
      };
      expect(setupRan('start')).toBeUndefined();
      expect(setupRan('test')).toBe('1');
      expect(setupRan('cluster')).toBe('1');
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
