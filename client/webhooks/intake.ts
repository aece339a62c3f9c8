/**
 * Webhook intake, shared by every provider: a delivery is verified on its raw bytes (401 when forged), normalized
 * into zero or more events (400 when not the provider's envelope), and every event is made durable BEFORE the
 * provider is acknowledged, by one of two paths:
 * - direct: the running onboarding(s) carrying the event's refs are found through visibility and signalled; an
 *   accepted signal is in the onboarding's history, and the onboarding drops repeats by eventId. The answer of the
 *   visibility query is cached (common/routing.ts OnboardingRouteCache: one running onboarding per ref set), so
 *   the next webhook with the same refs is signalled without a query;
 * - fallback: the `webhook:<provider>:<eventId>` delivery workflow is started (deduplicated by its id), which
 *   records the event and routes it with retries. Taken for unroutable types, when no running onboarding carries
 *   the refs yet, and whenever the direct path fails or exceeds its short timeout.
 * When any event of the delivery cannot be made durable the answer is 503 and the provider redelivers the whole
 * delivery: harmless for the events already recorded (same delivery workflow id, eventId dedupe in the onboarding).
 * Provider knowledge (verification, envelope, acknowledgement) comes from each provider's ProviderWebhookIntake.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { taskQueueFor } from '../../common/config.js';
import type { Config } from '../../common/config.js';
import { createLogger } from '../../common/log.js';
import { hasRoutableRef, OnboardingRouteCache, routeByRefs } from '../../common/routing.js';
import type { ProviderEvent } from '../../contract/onboarding.js';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE } from '../../contract/webhook-delivery.js';
import type { RouteResult, WebhookDeliveryWorkflow } from '../../contract/webhook-delivery.js';
import { OnboardingUnavailableError, UnsupportedProviderError, WebhookEndpointNotFoundError } from '../errors.js';
import type { WebhookAck } from '../schemas.js';
import { createFileInbox, inboxRecord } from './inbox.js';
import type { WebhookInbox } from './inbox.js';
import type {
  NormalizedWebhook,
  ProviderWebhookIntake,
  WebhookAcknowledgement,
  WebhookDeliveryOutcome,
  WebhookEventOutcome,
  WebhookHeaders,
} from './types.js';

export interface WebhookIntakeOptions {
  /** A Temporal client built with the project's data converter (common/temporal.ts connectClient). */
  client: Client;
  /** Where the inbox lives by default, and the prefix of the delivery workflows' task queue. */
  config: Pick<Config, 'WEBHOOK_INBOX_DIR' | 'TASK_QUEUE_PREFIX'>;
  /** Operator log of verified webhooks; defaults to JSONL files under WEBHOOK_INBOX_DIR. */
  inbox?: WebhookInbox | undefined;
  /**
   * How long an event's direct path (visibility lookup + signals) may take before the delivery workflow takes the
   * event instead. Short: the provider is waiting for the answer.
   */
  directTimeoutMs?: number | undefined;
  /** The direct path's cache of ref → onboarding; a fresh one by default (one per gateway process). */
  routeCache?: OnboardingRouteCache | undefined;
  /** The provider's intake, undefined for one this engine does not know (404); asked once per provider, then kept. */
  intakeFor(provider: string): ProviderWebhookIntake | undefined;
  /** Named in the 404 answer to an unknown provider. */
  knownProviders(): readonly string[];
}

/**
 * How many events of one delivery are made durable at once: enough for a provider's batch to cost about one
 * round trip, few enough that a large batch does not fire hundreds of visibility queries together.
 */
const EVENT_CONCURRENCY = 8;

const log = createLogger('webhook-intake');

export function deliveryWorkflowId(provider: string, eventId: string): string {
  return `webhook:${provider}:${eventId}`;
}

/** The answer when a provider asks for nothing particular: 200 and the WebhookAck JSON. */
export function defaultAcknowledgement(outcome: WebhookDeliveryOutcome): WebhookAcknowledgement {
  const events = outcome.events.map(({ eventId, firstDelivery }) => ({ eventId, firstDelivery }));
  const only = events.length === 1 ? events[0] : undefined;
  // A single event keeps the top-level fields callers read before deliveries could carry several.
  const body: WebhookAck = only ? { received: true, ...only, events } : { received: true, events };
  return { status: 200, body };
}

export class WebhookIntake {
  private readonly client: Client;
  private readonly config: WebhookIntakeOptions['config'];
  private readonly inbox: WebhookInbox;
  private readonly directTimeoutMs: number;
  private readonly routes: OnboardingRouteCache;
  private readonly intakeFor: (provider: string) => ProviderWebhookIntake | undefined;
  private readonly knownProviders: () => readonly string[];
  private readonly intakes = new Map<string, ProviderWebhookIntake>();

  constructor(options: WebhookIntakeOptions) {
    this.client = options.client;
    this.config = options.config;
    this.inbox = options.inbox ?? createFileInbox(options.config.WEBHOOK_INBOX_DIR);
    this.directTimeoutMs = options.directTimeoutMs ?? 2_000;
    this.routes = options.routeCache ?? new OnboardingRouteCache();
    this.intakeFor = options.intakeFor;
    this.knownProviders = options.knownProviders;
  }

  /**
   * One delivery from the raw bytes received. Resolves with the acknowledgement to send once every event is
   * durable; rejects with WebhookAuthenticationError (401), WebhookPayloadError (400), UnsupportedProviderError
   * (404) or OnboardingUnavailableError (503, the provider redelivers).
   */
  async deliver(provider: string, rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookAcknowledgement> {
    const intake = this.providerIntake(provider);
    intake.verify(rawBody, headers);
    const normalized = intake.normalize(rawBody, headers);

    const results = await settleEach(normalized, EVENT_CONCURRENCY, (webhook) => this.record(provider, webhook));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length > 0) {
      // An unexpected error (the inbox could not be written…) is reported as itself; otherwise a 503 for all.
      const unexpected = failures.find((failure) => !(failure instanceof OnboardingUnavailableError));
      if (unexpected !== undefined) throw unexpected;
      throw new OnboardingUnavailableError(
        normalized.length === 1
          ? 'the webhook could not be recorded right now; redeliver it later'
          : `${failures.length} of the delivery's ${normalized.length} events could not be recorded right now; ` +
              'redeliver it later',
      );
    }

    const outcome: WebhookDeliveryOutcome = {
      events: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    };
    return intake.acknowledge?.(outcome, headers) ?? defaultAcknowledgement(outcome);
  }

  /**
   * `POST /webhooks/<provider>/<path>`: an endpoint the provider calls before pushing (e.g. to obtain a token),
   * served by its intake. WebhookEndpointNotFoundError (404) when the provider serves no such path.
   */
  authenticate(provider: string, path: string, rawBody: Buffer, headers: WebhookHeaders): WebhookAcknowledgement {
    const answer = this.providerIntake(provider).authenticationEndpoint?.(path, rawBody, headers);
    if (!answer) throw new WebhookEndpointNotFoundError(provider, path);
    return answer;
  }

  private providerIntake(provider: string): ProviderWebhookIntake {
    let intake = this.intakes.get(provider);
    if (!intake) {
      intake = this.intakeFor(provider);
      if (!intake) throw new UnsupportedProviderError(provider, this.knownProviders());
      this.intakes.set(provider, intake);
    }
    return intake;
  }

  /** Makes one event durable (direct path, else the delivery workflow) and logs it in the inbox. */
  private async record(provider: string, { event, routable }: NormalizedWebhook): Promise<WebhookEventOutcome> {
    const workflowId = deliveryWorkflowId(provider, event.eventId);

    const direct = routable ? await this.signalOnboardingsDirectly(event) : undefined;
    if (direct) {
      await this.inbox.append(
        inboxRecord(event, {
          routable,
          outcome: 'routed-direct',
          firstDelivery: null,
          signalled: direct.signalled,
          deliveryWorkflowId: workflowId,
        }),
      );
      // Not known to be a redelivery: only the onboarding knows, and it drops repeats by eventId.
      return { eventId: event.eventId, type: event.type, firstDelivery: true };
    }

    let firstDelivery = true;
    try {
      await this.client.workflow.start<WebhookDeliveryWorkflow>(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: taskQueueFor(this.config, 'webhooks'),
        args: [{ event, routable }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${event.provider} webhook ${event.type} · ${event.eventId}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        log.warn('webhook not recorded: the provider will redeliver', {
          provider: event.provider,
          eventId: event.eventId,
          error: String(err),
        });
        throw new OnboardingUnavailableError('the webhook could not be recorded right now; redeliver it later');
      }
      firstDelivery = false;
    }
    await this.inbox.append(
      inboxRecord(event, { routable, outcome: 'delivery-workflow', firstDelivery, deliveryWorkflowId: workflowId }),
    );
    return { eventId: event.eventId, type: event.type, firstDelivery };
  }

  /**
   * The direct path: the result when every running onboarding carrying the refs accepted the signal within
   * directTimeoutMs; undefined when the delivery workflow must take the event instead (no running match, or any
   * error or timeout, which is logged: a signal that did land is harmless to send again).
   */
  private async signalOnboardingsDirectly(event: ProviderEvent): Promise<RouteResult | undefined> {
    if (!hasRoutableRef(event)) return undefined;
    try {
      return await this.client.withDeadline(Date.now() + this.directTimeoutMs, async () => {
        const { signalled, closed } = await routeByRefs(this.client, event, this.routes);
        return signalled.length > 0 ? { signalled, closed } : undefined;
      });
    } catch (err) {
      log.warn('direct webhook routing failed: falling back to the delivery workflow', {
        provider: event.provider,
        eventId: event.eventId,
        error: String(err),
      });
      return undefined;
    }
  }
}

/** Promise.allSettled with at most `limit` calls in flight; results in the order of `items`. */
async function settleEach<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      try {
        results[index] = { status: 'fulfilled', value: await fn(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
