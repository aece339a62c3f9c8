/**
 * The pino engine behind createLogger: whatever door a line comes in by (our wrapper, the pino instance Fastify
 * is given, a child made from it), it is masked before it is written; context fields (the request id) reach every
 * line written inside runWithLogContext, once; setLogLevel reaches loggers made before it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  maskedBindings,
  pinoOf,
  REDACTED,
  runWithLogContext,
  setLogLevel,
  setLogSink,
} from '../../common/log.js';
import type { LogSink } from '../../common/log.js';

let lines: string[];
let previous: LogSink;
beforeEach(() => {
  lines = [];
  previous = setLogSink((line) => lines.push(line));
  setLogLevel('info');
});
afterEach(() => {
  setLogSink(previous);
  setLogLevel('warn');
});
const parsed = (): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the pino engine', () => {
  it('writes level, ISO time, component and msg, one JSON object per line', () => {
    createLogger('unit').info('hello', { count: 2 });
    expect(lines).toHaveLength(1);
    expect(parsed()[0]).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      component: 'unit',
      count: 2,
      msg: 'hello',
    });
  });

  it('masks lines written straight to the pino instance, its children and their messages', () => {
    const engine = pinoOf(createLogger('gateway'));
    engine.info({ applicant: { email: 'pat@example.com', ssn: '400123456' } }, 'got 400-12-3456 from pat@example.com');
    engine.child(maskedBindings({ phone: '+15551234567' })).warn({ error: new Error('bad pat@example.com') }, 'child');
    const text = lines.join('\n');
    for (const value of ['pat@example.com', '400123456', '400-12-3456', '+15551234567'])
      expect(text).not.toContain(value);
    expect(parsed()[0]).toMatchObject({ applicant: { email: REDACTED, ssn: REDACTED } });
    expect(parsed()[1]).toMatchObject({ phone: REDACTED, error: { name: 'Error', message: `bad ${REDACTED}` } });
  });

  it('adds the context fields to every line inside runWithLogContext, once, and awaits keep them', async () => {
    const log = createLogger('onboarding-client');
    const engine = pinoOf(createLogger('gateway'));
    await runWithLogContext({ reqId: 'r-1' }, async () => {
      log.info('before');
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.info('after');
      // A logger that binds reqId itself (Fastify's request.log) does not get it twice.
      engine.child({ reqId: 'r-1' }).info('bound');
    });
    log.info('outside');
    expect(parsed().map((line) => [line.msg, line.reqId])).toEqual([
      ['before', 'r-1'],
      ['after', 'r-1'],
      ['bound', 'r-1'],
      ['outside', undefined],
    ]);
    expect(lines[2]!.match(/"reqId"/g)).toHaveLength(1);
  });

  it('applies setLogLevel to loggers made before it', () => {
    const log = createLogger('early');
    setLogLevel('warn');
    log.info('dropped');
    log.warn('kept');
    setLogLevel('debug');
    log.debug('kept too');
    expect(parsed().map((line) => line.msg)).toEqual(['kept', 'kept too']);
  });
});
