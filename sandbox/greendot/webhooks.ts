/**
 * Delivery of Green Dot's messages to the partner [doc: webhooks overview]: fixed headers, an `X-GD-RequestId` per
 * message that the partner must echo, authentication by a Bearer token Green Dot first obtains from the partner
 * (or an API key) — never an HMAC — and retries only when the partner opted in, only on 5xx, timeouts and
 * network failures. Details and ASSUMED choices: sandbox/README.md, section "Green Dot", "Webhooks".
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../core/context.js';
import type { WebhookAttempt } from '../core/webhooks.js';
import type { OutboundMessage } from './outbox.js';

export interface DeliverySettings {
  webhookRetries: boolean;
  webhookAuth: 'token' | 'apikey';
}

export interface PartnerAuthConfig {
  tokenUrl: string | undefined;
  clientId: string;
  clientSecret: string;
  apiKey: string;
  programCode: string;
}

const FIXED_HEADERS = {
  accept: 'application/json, text/plain, text/html',
  'accept-encoding': 'gzip, deflate',
  'user-agent': 'greendot-baas/3.0.0',
};
const TOKEN_TIMEOUT_MS = 10_000;
const TOKEN_REFRESH_MARGIN_MS = 60_000;

/** Tokens Green Dot holds for pushing to the partner (scope `post:webhook`). */
class PartnerTokenCache {
  private cached: { token: string; expiresAt: number } | null = null;
  private inFlight: Promise<string> | null = null;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly name: string,
    private readonly config: PartnerAuthConfig,
  ) {}

  tokenUrl(): string {
    if (this.config.tokenUrl) return this.config.tokenUrl;
    const target = this.ctx.webhooks.targetFor(this.name).replace(/\/+$/, '');
    return `${target}/authentication/${encodeURIComponent(this.config.programCode)}/accesstoken`;
  }

  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt - TOKEN_REFRESH_MARGIN_MS > this.ctx.clock().getTime()) {
      return this.cached.token;
    }
    this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  forget(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    const basic = Buffer.from(`${this.config.clientId}:${this.config.clientSecret}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(this.tokenUrl(), {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...FIXED_HEADERS,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'post:webhook' }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`token fetch failed: ${(err as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    if (response.status < 200 || response.status >= 300) throw new Error(`token fetch failed: ${response.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error('token fetch failed: the answer is not JSON');
    }
    const body = parsed as { access_token?: unknown; expires_In?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new Error('token fetch failed: no access_token in the answer');
    }
    const lifetime = Number(body.expires_In ?? body.expires_in ?? 3600);
    const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 3600;
    this.cached = { token: body.access_token, expiresAt: this.ctx.clock().getTime() + seconds * 1000 };
    return body.access_token;
  }
}

export class GreenDotDelivery {
  private readonly tokens: PartnerTokenCache;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly name: string,
    private readonly config: PartnerAuthConfig,
    private readonly settings: () => DeliverySettings,
  ) {
    this.tokens = new PartnerTokenCache(ctx, name, config);
  }

  reset(): void {
    this.tokens.forget();
  }

  send(message: OutboundMessage): void {
    const requestId = randomUUID();
    const { webhookRetries, webhookAuth } = this.settings();
    this.ctx.webhooks.send({
      provider: this.name,
      body: message.body,
      headers: async () => ({
        ...FIXED_HEADERS,
        'x-gd-requestid': requestId,
        ...(webhookAuth === 'apikey'
          ? { 'x-api-key': this.config.apiKey }
          : { authorization: `Bearer ${await this.tokens.token()}` }),
      }),
      // Delivered = 2xx and the partner echoed the message's request id [doc].
      isDelivered: (status, headers) => status >= 200 && status < 300 && headers.get('x-gd-requestid') === requestId,
      shouldRetry: (attempt: WebhookAttempt) => webhookRetries && (attempt.status === null || attempt.status >= 500),
      onAttempt: (attempt: WebhookAttempt) => {
        if (attempt.status === 401) this.tokens.forget();
      },
      ...(webhookRetries ? {} : { maxAttempts: 1 }),
      eventId: requestId,
      eventType: message.eventTypes.join(','),
    });
  }
}
