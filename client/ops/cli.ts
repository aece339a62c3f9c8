/**
 * `npm run ops -- <command> …`: the operator commands over HTTP, through the gateway's operator routes with an API
 * key (scope `operator`), so the CLI and the gateway share one implementation (client/operator-commands.ts). Every
 * command that changes something takes --reason; who acted is the key's identity, plus --operator (or OPS_OPERATOR,
 * else USER) when the key is shared. Tables by default, --json for scripts.
 */
import { parseArgs } from 'node:util';
import { firstApiKey } from '../../common/api-keys.js';
import type { OnboardingStatus } from '../../contract/onboarding.js';
import type { BlockedList, RedriveResult } from '../operator-schemas.js';
import type { OnboardingSummary } from '../schemas.js';
import { ageOf, table } from './tables.js';

export const OPS_USAGE = `npm run ops -- <command> [options]

  blocked  --on <customer|provider|reviewer|retrying> --longer-than <90s|30m|12h|2d> [--provider P] [--step S] [--limit N]
           running onboardings blocked on someone for longer than that
  retry    <onboardingId> --step <step> --reason <text>
           retry a step stopped on a provider call of unknown outcome (blockedOn retrying)
  extend   <onboardingId> (--by <2d> | --until <ISO time>) [--wait <wait or action>] --reason <text>
           move the expiry of a wait on the customer later
  cancel   <onboardingId> --reason <text>
           cancel; what the provider allows is undone (the key needs the onboarding scope too)
  redrive  --provider P --step S [--error <text>] --reason <text> [--apply] [--rate 5/s] [--limit N]
           retry a step in bulk: a dry-run count and list first; --apply retries each, at most --rate per second

  --gateway URL     GATEWAY_URL, else GATEWAY_PUBLIC_URL, else http://127.0.0.1:3000
  --api-key KEY     GATEWAY_API_KEY, else the first key of GATEWAY_API_KEYS (npm start's dev-api-key)
  --operator NAME   who you are, when the key is shared (OPS_OPERATOR, else USER): recorded in the timeline
  --json            print the gateway's answer as JSON`;

export interface OpsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

interface Gateway {
  call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T>;
}

class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function gatewayOf(url: string, apiKey: string, operator: string | undefined): Gateway {
  const base = url.replace(/\/+$/, '');
  return {
    async call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(operator ? { 'x-operator': operator } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const answer = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      if (!response.ok) {
        throw new GatewayError(
          response.status,
          answer.error?.code ?? 'unknown',
          answer.error?.message ?? `HTTP ${response.status}`,
        );
      }
      return answer as T;
    },
  };
}

const onboardingRoute = (id: string, command: string) => `/v1/onboardings/${encodeURIComponent(id)}/${command}`;

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

function summaryRows(onboardings: readonly OnboardingSummary[], nowMs: number): string[][] {
  return onboardings.map((row) => [
    row.onboardingId,
    row.state ?? '-',
    row.step ?? '-',
    row.blockedOn ?? '-',
    ageOf(row.blockedSince, nowMs),
  ]);
}

function statusLines(status: OnboardingStatus): string {
  const last = status.timeline.at(-1);
  const pending = status.pendingActions.map((action) => `${action.action} (expires ${action.expiresAt})`);
  return [
    `${status.onboardingId}: ${status.state}, step ${status.step}, blocked on ${status.blockedOn ?? 'nobody'}`,
    ...(pending.length > 0 ? [`pending: ${pending.join(', ')}`] : []),
    ...(last ? [`timeline: ${last.at} ${last.actor}${last.by ? ` (${last.by})` : ''}: ${last.what}`] : []),
  ].join('\n');
}

function redriveLines(result: RedriveResult): string {
  const rows = result.items.map((item) => [
    item.onboardingId,
    item.outcome ?? 'would retry',
    item.error ? `${item.error.code}: ${item.error.message}` : (item.lastError ?? '-'),
  ]);
  const head = result.apply
    ? `re-drove ${result.matched}: ${result.done} done, ${result.failed} failed`
    : `dry run: ${result.matched} would be retried (add --apply to retry them)`;
  return [head, ...(rows.length > 0 ? [table(['ONBOARDING', 'OUTCOME', 'LAST ERROR / ERROR'], rows)] : [])].join('\n');
}

/** Runs one ops command; the exit code (0 done, 1 the gateway refused or some item failed, 2 usage). */
export async function runOps(argv: readonly string[], io: OpsIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        gateway: { type: 'string' },
        'api-key': { type: 'string' },
        operator: { type: 'string' },
        json: { type: 'boolean', default: false },
        reason: { type: 'string' },
        on: { type: 'string' },
        'longer-than': { type: 'string' },
        provider: { type: 'string' },
        step: { type: 'string' },
        limit: { type: 'string' },
        by: { type: 'string' },
        until: { type: 'string' },
        wait: { type: 'string' },
        error: { type: 'string' },
        apply: { type: 'boolean', default: false },
        rate: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${OPS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, onboardingId] = positionals;
  if (values.help || !command) {
    io.out(OPS_USAGE);
    return values.help ? 0 : 2;
  }
  const { env } = io;
  const apiKey = values['api-key'] ?? env.GATEWAY_API_KEY ?? firstApiKey(env.GATEWAY_API_KEYS ?? 'dev-api-key');
  const gateway = gatewayOf(
    values.gateway ?? env.GATEWAY_URL ?? env.GATEWAY_PUBLIC_URL ?? 'http://127.0.0.1:3000',
    apiKey,
    values.operator ?? env.OPS_OPERATOR ?? env.USER,
  );
  const print = (answer: unknown, text: () => string) => io.out(values.json ? JSON.stringify(answer, null, 2) : text());
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  try {
    if (!apiKey) throw new UsageError('no API key: give --api-key or set GATEWAY_API_KEY');
    switch (command) {
      case 'blocked': {
        const query = new URLSearchParams({
          blockedOn: required(values.on, '--on'),
          olderThan: required(values['longer-than'], '--longer-than'),
          ...(values.provider ? { provider: values.provider } : {}),
          ...(values.step ? { step: values.step } : {}),
          ...(limit === undefined ? {} : { pageSize: String(limit) }),
        });
        const answer = await gateway.call<BlockedList>('GET', `/v1/operator/blocked?${query.toString()}`);
        const now = Date.now();
        print(answer, () =>
          [
            `${answer.onboardings.length} blocked on ${values.on} for longer than ${values['longer-than']}`,
            table(['ONBOARDING', 'STATE', 'STEP', 'BLOCKED ON', 'FOR'], summaryRows(answer.onboardings, now)),
            `Web UI query: ${answer.query}`,
          ].join('\n'),
        );
        return 0;
      }
      case 'retry':
      case 'extend':
      case 'cancel': {
        const id = required(onboardingId, '<onboardingId>');
        const reason = required(values.reason, '--reason');
        const [route, body] =
          command === 'retry'
            ? [onboardingRoute(id, 'retry-step'), { step: required(values.step, '--step'), reason }]
            : command === 'extend'
              ? [
                  onboardingRoute(id, 'extend-deadline'),
                  {
                    reason,
                    ...(values.by === undefined ? {} : { by: values.by }),
                    ...(values.until === undefined ? {} : { until: values.until }),
                    ...(values.wait === undefined ? {} : { wait: values.wait }),
                  },
                ]
              : [onboardingRoute(id, 'cancel'), { reason, actor: 'operator' }];
        const status = await gateway.call<OnboardingStatus>('POST', route, body);
        print(status, () => statusLines(status));
        return 0;
      }
      case 'redrive': {
        const result = await gateway.call<RedriveResult>('POST', '/v1/operator/redrive', {
          provider: required(values.provider, '--provider'),
          step: required(values.step, '--step'),
          reason: required(values.reason, '--reason'),
          apply: values.apply,
          ...(values.error === undefined ? {} : { error: values.error }),
          ...(values.rate === undefined ? {} : { rate: values.rate }),
          ...(limit === undefined ? {} : { limit }),
        });
        print(result, () => redriveLines(result));
        return result.failed > 0 ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${OPS_USAGE}`);
      return 2;
    }
    if (err instanceof GatewayError) {
      io.err(`refused (${err.status} ${err.code}): ${err.message}`);
      return 1;
    }
    io.err(`could not reach the gateway: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
