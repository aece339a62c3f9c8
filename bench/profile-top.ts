/**
 * Where a worker's (or gateway's) CPU goes, from the V8 profiles `--cpu-prof` writes (one per thread: a worker's
 * main thread runs the SDK's JS side and the activities, its workflow threads run the workflow bundle). For each process: the time by
 * area (our code, the Temporal SDK, zod, protobuf, Node internals, GC, native work outside JS) as self time, the
 * share of samples with one of our frames anywhere on the stack (inclusive), and the top functions by self time.
 *
 *   npx tsx bench/profile-top.ts <dir of .cpuprofile files> [--from=<µs, monotonic>] [pid=name …]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  /** Microseconds on the system's monotonic clock (the one process.hrtime reads), as are the samples' times. */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The areas time is split into, first match wins (urls are file:// paths, node:…, or empty for native frames). */
const AREAS: [string, (url: string, name: string) => boolean][] = [
  ['idle', (_url, name) => name === '(idle)'],
  ['garbage collector', (_url, name) => name === '(garbage collector)'],
  ['program (native, outside JS)', (_url, name) => name === '(program)' || name === '(root)'],
  ['zod', (url) => url.includes('node_modules/zod')],
  ['protobuf (protobufjs, long)', (url) => /node_modules\/(protobufjs|long|@protobufjs)/.test(url)],
  ['Temporal SDK (JS)', (url) => url.includes('node_modules/@temporalio')],
  ['other packages', (url) => url.includes('node_modules/')],
  ['Node internals', (url) => url.startsWith('node:') || url === ''],
  ['workflow bundle (ours + SDK workflow lib)', (url) => /workflow-bundle|webpack/.test(url)],
  ['ours (workflows/, activities/, client/, common/, contract/, workers/)', () => true],
];

const areaOf = (url: string, name: string): string => (AREAS.find(([, test]) => test(url, name)) ?? ['?'])[0];

const ours = (url: string): boolean =>
  url !== '' && !url.includes('node_modules/') && !url.startsWith('node:') && !/workflow-bundle|webpack/.test(url);

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const root = url.indexOf('/bench-intake/');
  return root >= 0 ? url.slice(root + '/bench-intake/'.length) : url.replace(/^file:\/\//, '');
}

interface ThreadSummary {
  totalMs: number;
  byArea: Map<string, number>;
  byFunction: Map<string, number>;
  underOursMs: number;
}

function summarizeProfile(profile: CpuProfile, into: ThreadSummary, fromMicros: number): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const hasOurs = new Map<number, boolean>();
  const oursOnStack = (id: number): boolean => {
    const known = hasOurs.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const value = (node !== undefined && ours(node.callFrame.url)) || (up !== undefined && oursOnStack(up));
    hasOurs.set(id, value);
    return value;
  };
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || at < fromMicros) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    if (area === 'idle') return;
    into.totalMs += ms;
    into.byArea.set(area, (into.byArea.get(area) ?? 0) + ms);
    const key = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    into.byFunction.set(key, (into.byFunction.get(key) ?? 0) + ms);
    if (oursOnStack(id)) into.underOursMs += ms;
  });
}

/**
 * One block of lines per process and kind of thread (main: the SDK's JS side and the activities; others: the
 * workflow threads, and tsx's loader thread): areas, inclusive share under our frames, top functions. Samples before
 * `fromMicros` (monotonic clock, e.g. when the stack was ready) are left out: start-up (transpiling, bundling the
 * workflows) is not per-task work.
 */
export function summarizeProfiles(
  dir: string,
  names: Record<number, string> = {},
  options: { fromMicros?: number; top?: number } = {},
): { lines: string[] } {
  const { fromMicros = 0, top = 20 } = options;
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  const byProcess = new Map<string, ThreadSummary>();
  for (const file of files) {
    // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile
    const [, , , pidPart, threadPart] = file.split('.');
    const pid = Number(pidPart);
    const name = `${names[pid] ?? `pid ${pid}`} ${threadPart === '0' ? 'main thread' : 'other threads'}`;
    const summary = byProcess.get(name) ?? { totalMs: 0, byArea: new Map(), byFunction: new Map(), underOursMs: 0 };
    summarizeProfile(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, summary, fromMicros);
    byProcess.set(name, summary);
  }
  const lines: string[] = [];
  const pct = (part: number, whole: number): string => `${((100 * part) / Math.max(whole, 1e-9)).toFixed(1)} %`;
  for (const [name, s] of [...byProcess.entries()].sort()) {
    lines.push(`cpu profile ${name}: ${(s.totalMs / 1000).toFixed(1)} s sampled (idle excluded)`);
    for (const [area, ms] of [...s.byArea.entries()].sort((a, b) => b[1] - a[1])) {
      lines.push(`  ${area}: ${(ms / 1000).toFixed(2)} s (${pct(ms, s.totalMs)})`);
    }
    lines.push(`  with one of our frames on the stack (inclusive): ${pct(s.underOursMs, s.totalMs)}`);
    lines.push(`  top ${top} functions by self time:`);
    for (const [fn, ms] of [...s.byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      lines.push(`    ${pct(ms, s.totalMs).padStart(7)}  ${fn}`);
    }
  }
  if (files.length === 0) lines.push(`cpu profile: no .cpuprofile files in ${dir}`);
  return { lines };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) throw new Error('usage: npx tsx bench/profile-top.ts <dir> [--from=<µs, monotonic>] [pid=name …]');
  const from = rest.find((arg) => arg.startsWith('--from='));
  const names: Record<number, string> = {};
  for (const pair of rest.filter((arg) => arg !== from)) {
    const [pid, name] = pair.split('=');
    if (pid && name) names[Number(pid)] = name;
  }
  const fromMicros = from ? Number(from.slice('--from='.length)) : 0;
  process.stdout.write(summarizeProfiles(dir, names, { fromMicros }).lines.join('\n') + '\n');
}
