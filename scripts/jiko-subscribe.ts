/**
 * `npm run jiko:subscribe`: makes sure Jiko delivers its application events to our gateway, signed with our secret.
 * Jiko signs each subscription's deliveries with the `shared_secret` chosen when it was created, so this creates
 * (once) the subscription `POST /api/v1/subscriptions/` {url: GATEWAY_PUBLIC_URL + /webhooks/jiko, events: the
 * ones the gateway routes, shared_secret: JIKO_WEBHOOK_SECRET}. Safe to run any number of times: it lists the
 * existing subscriptions first and never creates a second one for the same URL (activities/jiko/subscriptions.ts).
 *
 *   npm run jiko:subscribe                       against JIKO_BASE_URL (the sandbox by default)
 *   npm run jiko:subscribe -- --url https://…    another public address of the gateway
 *   npm run jiko:subscribe -- --rotate-secret    also send JIKO_WEBHOOK_SECRET to an existing subscription
 *
 * `npm start` runs the same step against the sandbox once everything is up (ensureSandboxJikoSubscription).
 */
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { JikoClient } from '../activities/jiko/client.js';
import { ensureJikoSubscription } from '../activities/jiko/subscriptions.js';
import type { JikoSubscriptionOutcome, JikoSubscriptionTarget } from '../activities/jiko/subscriptions.js';
import { ConfigError, parseConfig } from '../common/config.js';
import type { Config } from '../common/config.js';

const ATTEMPTS = 4;

type SubscribeConfig = Pick<
  Config,
  | 'JIKO_BASE_URL'
  | 'JIKO_USERNAME'
  | 'JIKO_PASSWORD'
  | 'JIKO_SIGNING_SECRET'
  | 'JIKO_WEBHOOK_SECRET'
  | 'GATEWAY_PUBLIC_URL'
>;

export function gatewayWebhookUrl(config: Pick<Config, 'GATEWAY_PUBLIC_URL'>): string {
  return new URL('webhooks/jiko', config.GATEWAY_PUBLIC_URL.replace(/\/*$/, '/')).toString();
}

/** Whether a failure is worth another try: Jiko unavailable, rate-limited or unreachable, not a refusal. */
function retryable(err: unknown): boolean {
  if (err instanceof ApplicationFailure) return !err.nonRetryable;
  return err instanceof TypeError;
}

/** Retries what may pass (5xx, 429, network) a few times: this runs outside Temporal, which would retry otherwise. */
export async function subscribeJikoWebhooks(
  config: SubscribeConfig,
  options: { url?: string; rotateSecret?: boolean; pauseMs?: number } = {},
): Promise<JikoSubscriptionOutcome> {
  const client = new JikoClient(config);
  const target: JikoSubscriptionTarget = {
    url: options.url ?? gatewayWebhookUrl(config),
    sharedSecret: config.JIKO_WEBHOOK_SECRET,
    ...(options.rotateSecret ? { rotateSecret: true } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureJikoSubscription(client, target);
    } catch (err) {
      if (attempt >= ATTEMPTS || !retryable(err)) throw err;
      const delay = (options.pauseMs ?? 1_000) * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export function describeOutcome(result: JikoSubscriptionOutcome): string {
  const what = {
    created: 'created',
    updated: 'updated (events completed)',
    unchanged: 'already in place',
  }[result.outcome];
  const disabled = result.status === 'disabled' ? ' — but Jiko shows it disabled: ask Jiko to enable it' : '';
  return `Jiko webhook subscription ${result.subscriptionId} ${what}: ${result.url} for ${result.events.join(', ')}${disabled}`;
}

/** `npm start`'s step: only against a local sandbox, never a real Jiko the developer's shell happens to point at. */
export async function ensureSandboxJikoSubscription(config: Config, sandboxUrl: string): Promise<string> {
  if (!config.JIKO_BASE_URL.startsWith(sandboxUrl)) {
    return `JIKO_BASE_URL is not the local sandbox: run \`npm run jiko:subscribe\` yourself against ${config.JIKO_BASE_URL}`;
  }
  return describeOutcome(await subscribeJikoWebhooks(config, { pauseMs: 500 }));
}

function parseArguments(argv: readonly string[]): { url?: string; rotateSecret: boolean } {
  const options: { url?: string; rotateSecret: boolean } = { rotateSecret: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--rotate-secret') options.rotateSecret = true;
    else if (argument === '--url' && argv[i + 1]) options.url = argv[++i];
    else throw new Error(`unknown argument ${argument}; expected --url <url> or --rotate-secret`);
  }
  return options;
}

async function main(): Promise<number> {
  try {
    const config = parseConfig(process.env);
    const result = await subscribeJikoWebhooks(config, parseArguments(process.argv.slice(2)));
    process.stdout.write(`${describeOutcome(result)}\n`);
    return 0;
  } catch (err) {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`jiko:subscribe failed: ${message}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void main().then((code) => process.exit(code));
}
