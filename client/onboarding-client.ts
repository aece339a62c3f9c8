/**
 * The onboarding library a TypeScript backend imports (and the HTTP gateway wraps): start, get, list, act, cancel,
 * and deliverWebhook. Every body is validated with the zod schemas of client/schemas.ts before anything reaches
 * Temporal, and every refusal is a typed OnboardingError carrying the HTTP status the gateway answers with.
 *
 *   const onboarding = new OnboardingClient({ client, config, documents });
 *   const { created, status } = await onboarding.start({ provider, customerRef: 'cust_8f2c', applicant, ... });
 *   await onboarding.act(status.onboardingId, action, body);   // an action of that provider, sent as its Update
 */
import { randomUUID } from 'node:crypto';
import { WorkflowClient, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import type { temporal } from '@temporalio/proto';
import { taskQueueFor } from '../common/config.js';
import type { Config } from '../common/config.js';
import {
  ACTION_NOT_EXPECTED,
  cancelUpdate,
  requestCancelUpdate,
  FINAL_STATES,
  INVALID_ACTION,
  onboardingWorkflowId,
  SA_BLOCKED_ON,
  SA_BLOCKED_SINCE,
  SA_PROVIDER,
  SA_STATE,
  SA_STEP,
  statusQuery,
} from '../contract/onboarding.js';
import type { OnboardingInput, OnboardingState, OnboardingStatus, Provider } from '../contract/onboarding.js';
import type { OutboundDeliveryStatus } from '../contract/outbound.js';
import { WEBHOOK_DELIVERY_WORKFLOW_TYPE } from '../contract/webhook-delivery.js';
import {
  ActionNotExpectedError,
  InvalidActionError,
  OnboardingError,
  OnboardingNotFoundError,
  OnboardingUnavailableError,
  UnknownActionError,
  UnsupportedProviderError,
  ValidationError,
} from './errors.js';
import { OnboardingStarter, isDeadlineExceeded } from './onboarding-start.js';
import type { ExecutionRecordFacts, StartResult, WorkflowDescription } from './onboarding-start.js';
import { OutboundEvents } from './outbound-events.js';
import { DocumentStoreUnavailableError, parseOrThrow } from './provider-definition.js';
import type { ClientProvider, DocumentSink, ProviderAction } from './provider-definition.js';
import { DEFAULT_PROVIDER_REGISTRY } from './registry.js';
import type { ProviderRegistry, StartBodyInput } from './registry.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { cancelBodySchema, listFiltersSchema, retryStepBodySchema } from './schemas.js';
import { retryStepUpdate } from '../contract/operator.js';
import type { ListFilters, ListResponse, OnboardingSummary } from './schemas.js';
import type { WebhookInbox } from './webhooks/inbox.js';
import { WebhookIntake } from './webhooks/intake.js';
import type { WebhookAcknowledgement, WebhookHeaders } from './webhooks/types.js';

export { WEBHOOK_DELIVERY_WORKFLOW_TYPE };

export type { StartBodyInput };

export type { StartResult };

export interface OnboardingClientOptions {
  /** A Temporal client built with the project's data converter (common/temporal.ts connectClient). */
  client: Client;
  config: Config;
  /** Claim-check store for document uploads (common/documents.ts); without it uploads answer 503. */
  documents?: DocumentSink;
  /** The providers this client onboards with; client/providers/index.ts by default. */
  providers?: ProviderRegistry;
  /** Operator log of verified webhooks; defaults to JSONL files under WEBHOOK_INBOX_DIR. */
  inbox?: WebhookInbox;
  /** How long a status query may take before the onboarding is reported unavailable. */
  queryTimeoutMs?: number;
  /**
   * Start in one round trip with Update-with-start (default). false: start, describe and query (three), e.g. for
   * a server without `frontend.enableExecuteMultiOperation`; a refusal by the server switches to it by itself.
   */
  updateWithStart?: boolean;
  /**
   * How long a webhook's direct path (visibility lookup + signals) may take before the delivery workflow takes the
   * event instead. Short: the provider is waiting for the answer.
   */
  webhookDirectTimeoutMs?: number;
}

const ONBOARDING_ID = /^onboarding:([a-z][a-z0-9]{1,31}):([A-Za-z0-9_.-]{1,64})$/;

/** What every start body option has, whichever provider it names (the registry's union validated it). */
interface ParsedStartBody {
  provider: Provider;
  customerRef: string;
  applicant: unknown;
  options?: OnboardingInput['options'];
  [block: string]: unknown;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The Update id of an action sent with an idempotency key: Temporal answers a repeated Update id with the first
 * outcome and runs nothing again. Scoped by action, so one key reused for another action is a new request.
 */
function updateIdFor(action: string, idempotencyKey: string | undefined): string | undefined {
  if (idempotencyKey === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new ValidationError('the Idempotency-Key is invalid: 1-128 of A-Z a-z 0-9 _ . : -', [
      { path: 'Idempotency-Key', message: '1-128 of A-Z a-z 0-9 _ . : -' },
    ]);
  }
  return `idempotency:${action}:${idempotencyKey}`;
}

/** Visibility values come from zod enums or patterns, but quote defensively anyway. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const EXECUTION_STATUS_NAMES: Record<number, string> = {
  0: 'Unspecified',
  1: 'Running',
  2: 'Completed',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'ContinuedAsNew',
  7: 'TimedOut',
  8: 'Paused',
};

function isOnboardingStatus(value: unknown): value is OnboardingStatus {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { onboardingId?: unknown }).onboardingId === 'string' &&
    typeof (value as { state?: unknown }).state === 'string'
  );
}

export class OnboardingClient {
  readonly client: Client;
  readonly config: Config;
  private readonly documents: DocumentSink | undefined;
  private readonly queryTimeoutMs: number;
  private readonly webhooks: WebhookIntake;
  private readonly events: OutboundEvents;
  readonly providers: ProviderRegistry;
  private readonly starter: OnboardingStarter;
  /**
   * The same client, with queries refused by the server for a closed workflow (`NOT_OPEN`): a finished onboarding
   * is read from its result instead of having a worker replay its whole history to answer a query.
   */
  private readonly openWorkflows: WorkflowClient;

  constructor(options: OnboardingClientOptions) {
    this.client = options.client;
    this.config = options.config;
    this.documents = options.documents;
    this.providers = options.providers ?? DEFAULT_PROVIDER_REGISTRY;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
    this.starter = new OnboardingStarter({
      client: this.client,
      queryTimeoutMs: this.queryTimeoutMs,
      updateWithStart: options.updateWithStart ?? true,
      get: (onboardingId) => this.get(onboardingId),
      fromExecutionRecord: (onboardingId, description, known) =>
        this.statusFromExecutionRecord(onboardingId, description, known),
    });
    this.openWorkflows = new WorkflowClient({ ...this.client.workflow.options, queryRejectCondition: 'NOT_OPEN' });
    this.events = new OutboundEvents(this.client, this.config);
    this.webhooks = new WebhookIntake({
      client: this.client,
      config: this.config,
      inbox: options.inbox,
      directTimeoutMs: options.webhookDirectTimeoutMs,
      intakeFor: (provider) => this.providers.get(provider)?.createWebhookIntake(this.config),
      knownProviders: () => this.providers.names(),
    });
  }

  get namespace(): string {
    return this.client.options.namespace;
  }

  /**
   * Starts the customer's onboarding, or returns the one that already exists for `provider` + `customerRef`
   * (running or finished: a finished onboarding is never restarted). The body is validated first.
   */
  async start(body: StartBodyInput): Promise<StartResult> {
    const parsed = parseOrThrow(this.providers.startBodySchema, body, 'the start body') as ParsedStartBody;
    const definition = this.providers.get(parsed.provider);
    if (!definition) throw new UnsupportedProviderError(parsed.provider, this.providers.names());
    const workflowId = onboardingWorkflowId(parsed.provider, parsed.customerRef);
    const input: OnboardingInput<unknown, unknown> = {
      provider: parsed.provider,
      customerRef: parsed.customerRef,
      applicant: parsed.applicant,
      // The block named after the provider: what only this provider needs.
      providerInput: parsed[parsed.provider],
      ...(parsed.options ? { options: parsed.options } : {}),
      deadlineDefaults: {
        customerExpireAfter: this.config.DEFAULT_CUSTOMER_EXPIRY,
        customerRemindAfter: this.config.DEFAULT_CUSTOMER_REMINDER,
        reviewSla: this.config.DEFAULT_REVIEW_SLA,
      },
    };
    // Tells "we started it" from "it was already running": USE_EXISTING answers both with the same handle.
    const startToken = randomUUID();
    const options: WorkflowStartOptions = {
      workflowId,
      taskQueue: taskQueueFor(this.config, parsed.provider),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { startToken },
      // What the Web UI shows in the list and on the page without decoding anything: never PII (the
      // customerRef is refused when it looks like personal data).
      staticSummary: `${definition.provider} onboarding · ${parsed.customerRef}`,
      staticDetails:
        `Onboarding with **${definition.provider}** for customerRef \`${parsed.customerRef}\`. ` +
        'The business state (step, blocked on, pending actions) is in the current details; the full status is ' +
        'the `status` query.',
      typedSearchAttributes: [
        { key: SA_PROVIDER, value: parsed.provider },
        { key: SA_STATE, value: 'in_progress' satisfies OnboardingState },
      ],
    };
    return this.starter.start(definition.workflowType, options, startToken);
  }

  /**
   * The onboarding's status: live from the workflow (a query, answered by its worker), or, once it has finished,
   * its result (the server refuses the query of a closed workflow, so no worker replays the history for it).
   */
  async get(onboardingId: string): Promise<OnboardingStatus> {
    this.parseOnboardingId(onboardingId);
    const handle = this.client.workflow.getHandle(onboardingId);
    const live = this.openWorkflows.getHandle(onboardingId);
    try {
      return await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => live.query(statusQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new OnboardingNotFoundError(onboardingId);
      return this.finalStatus(onboardingId, handle, err);
    }
  }

  /** Onboardings matching the filters, newest first, through visibility (search attributes). */
  async list(filters: ListFilters = {}): Promise<ListResponse> {
    const parsed = parseOrThrow(listFiltersSchema, filters, 'the list filters');
    if (parsed.provider && !this.providers.get(parsed.provider)) {
      const known = this.providers.names().join(', ');
      throw new ValidationError(`the list filters are invalid: provider: one of ${known}`, [
        { path: 'provider', message: `one of ${known}` },
      ]);
    }
    const clauses = [
      parsed.provider
        ? `OnboardingProvider = ${quote(parsed.provider)}`
        : `OnboardingProvider IN (${this.providers.names().map(quote).join(', ')})`,
    ];
    if (parsed.state) clauses.push(`OnboardingState = ${quote(parsed.state)}`);
    if (parsed.step) clauses.push(`OnboardingStep = ${quote(parsed.step)}`);
    if (parsed.blockedOn === 'none') clauses.push('OnboardingBlockedOn IS NULL');
    else if (parsed.blockedOn) clauses.push(`OnboardingBlockedOn = ${quote(parsed.blockedOn)}`);
    const query = clauses.join(' AND ');
    const pageToken = parsed.nextPageToken ? decodePageToken(parsed.nextPageToken, query) : undefined;
    if (parsed.nextPageToken && !pageToken) {
      throw new ValidationError('the list filters are invalid: nextPageToken: not the nextPageToken of this list', [
        { path: 'nextPageToken', message: 'not the nextPageToken of a previous page of this list (same filters)' },
      ]);
    }
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.namespace,
      query,
      pageSize: parsed.pageSize,
      nextPageToken: pageToken,
    });
    const token = response.nextPageToken;
    return {
      onboardings: response.executions.map((execution) => this.summarize(execution)),
      nextPageToken: token && token.length > 0 ? encodePageToken(token, query) : null,
    };
  }

  /**
   * A customer action (`acceptAgreements`, `uploadDocuments`…) as a workflow Update. The workflow's validator
   * refuses an untimely action (ActionNotExpectedError, 409) or a wrong one (InvalidActionError, 422) and nothing
   * changes; an accepted one returns the status after it took effect.
   */
  async act(
    onboardingId: string,
    action: string,
    body: unknown,
    options: { idempotencyKey?: string; provider?: string } = {},
  ): Promise<OnboardingStatus> {
    const actionDefinition = this.actionOf(onboardingId, action, options.provider);
    const updateId = updateIdFor(action, options.idempotencyKey);
    let argument: unknown;
    try {
      argument = await actionDefinition.prepare(body, { documents: this.documents });
    } catch (err) {
      if (err instanceof DocumentStoreUnavailableError) throw new OnboardingUnavailableError(err.message);
      throw err;
    }
    return this.update(onboardingId, actionDefinition.update, argument, updateId);
  }

  /**
   * The action `action` of the onboarding's provider: 404 errors when the onboarding id or the action is unknown,
   * or when `expectedProvider` is given (a typed per-provider path) and the onboarding belongs to another provider.
   */
  actionOf(onboardingId: string, action: string, expectedProvider?: string): ProviderAction {
    const { provider, definition } = this.parseOnboardingId(onboardingId);
    if (expectedProvider !== undefined && provider !== expectedProvider)
      throw new OnboardingNotFoundError(onboardingId);
    const actionDefinition = Object.hasOwn(definition.actions, action) ? definition.actions[action] : undefined;
    if (!actionDefinition) throw new UnknownActionError(provider, action, Object.keys(definition.actions));
    return actionDefinition;
  }

  /** The onboarding's outbound events, in the order it emitted them, each with its delivery attempts. */
  async listEvents(onboardingId: string): Promise<OutboundDeliveryStatus[]> {
    this.parseOnboardingId(onboardingId);
    return this.events.list(onboardingId);
  }

  /** Delivers an outbound event again now (a redelivery keeps its `webhook-id`). */
  async redeliverEvent(eventId: string): Promise<OutboundDeliveryStatus> {
    return this.events.redeliver(eventId);
  }

  /** Cancels the onboarding; compensation (undoing what the provider allows) runs before it completes. */
  /**
   * Cancels the onboarding. By default answered as soon as the cancel is recorded, with compensation under way
   * (follow it in `steps[]`); `wait: true` answers with the final status once compensation has settled, which may
   * take as long as a provider that is down.
   */
  async cancel(
    onboardingId: string,
    body: { reason: string; actor?: 'customer' | 'operator' },
    options: { wait?: boolean; idempotencyKey?: string } = {},
  ): Promise<OnboardingStatus> {
    this.parseOnboardingId(onboardingId);
    const request = parseOrThrow(cancelBodySchema, body, 'the cancel body');
    const update = options.wait ? cancelUpdate : requestCancelUpdate;
    const updateId = updateIdFor(update.name, options.idempotencyKey);
    return this.update(onboardingId, update, { reason: request.reason, actor: request.actor }, updateId);
  }

  /**
   * An operator retries a step that stopped on a provider call of unknown outcome (blockedOn `retrying`): the call
   * is repeated with the same idempotency key. 422 for another step, 409 when no step waits for a retry.
   */
  async retryStep(onboardingId: string, body: { step: string; reason: string }): Promise<OnboardingStatus> {
    this.parseOnboardingId(onboardingId);
    const request = parseOrThrow(retryStepBodySchema, body, 'the retry body');
    return this.update(onboardingId, retryStepUpdate, {
      step: request.step,
      reason: request.reason,
      actor: 'operator',
    });
  }

  /**
   * A provider webhook, from the raw bytes received: verified, normalized into its events, each made durable, then
   * acknowledged the way the provider expects (client/webhooks/intake.ts).
   */
  async deliverWebhook(provider: string, rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookAcknowledgement> {
    return this.webhooks.deliver(provider, rawBody, headers);
  }

  /** An endpoint the provider calls before pushing webhooks (e.g. its token request), served by its intake. */
  webhookAuthentication(
    provider: string,
    path: string,
    rawBody: Buffer,
    headers: WebhookHeaders,
  ): WebhookAcknowledgement {
    return this.webhooks.authenticate(provider, path, rawBody, headers);
  }

  /** Whether Temporal answers for our namespace (the gateway's /readyz). */
  async ready(timeoutMs = 3_000): Promise<boolean> {
    try {
      await this.client.withDeadline(Date.now() + timeoutMs, () =>
        this.client.workflowService.describeNamespace({ namespace: this.namespace }),
      );
      return true;
    } catch {
      return false;
    }
  }

  // --- internals ------------------------------------------------------------------------------------------------

  private parseOnboardingId(onboardingId: string): { provider: Provider; definition: ClientProvider } {
    const match = ONBOARDING_ID.exec(onboardingId);
    const definition = match ? this.providers.get(match[1] as string) : undefined;
    if (!definition) throw new OnboardingNotFoundError(onboardingId);
    return { provider: definition.provider, definition };
  }

  private async update<Argument>(
    onboardingId: string,
    update: UpdateDefinition<OnboardingStatus, [Argument]>,
    argument: Argument,
    updateId?: string,
  ): Promise<OnboardingStatus> {
    const handle = this.client.workflow.getHandle(onboardingId);
    try {
      return await handle.executeUpdate(update, { args: [argument], ...(updateId ? { updateId } : {}) });
    } catch (err) {
      throw await this.updateError(onboardingId, handle, err);
    }
  }

  private async updateError(onboardingId: string, handle: WorkflowHandle, err: unknown): Promise<unknown> {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const message = cause?.message || err.message;
      if (cause instanceof ApplicationFailure) {
        const details = cause.details && cause.details.length > 0 ? cause.details[0] : undefined;
        if (cause.type === ACTION_NOT_EXPECTED) return new ActionNotExpectedError(message, details);
        if (cause.type === INVALID_ACTION) return new InvalidActionError(message, details);
      }
      return new OnboardingError(500, 'action_failed', message);
    }
    if (err instanceof WorkflowNotFoundError) {
      // Either no such onboarding, or it has finished: a finished onboarding accepts no more actions.
      try {
        const description = await handle.describe();
        const state = description.typedSearchAttributes.get(SA_STATE);
        return new ActionNotExpectedError(
          `the onboarding has finished${state ? ` (${state})` : ''}: it accepts no more actions`,
        );
      } catch {
        return new OnboardingNotFoundError(onboardingId);
      }
    }
    return err;
  }

  /** When the query cannot be answered: a finished onboarding's result, or a clear 503 for a live one. */
  private async finalStatus(
    onboardingId: string,
    handle: WorkflowHandle,
    queryError: unknown,
  ): Promise<OnboardingStatus> {
    let description: WorkflowDescription;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new OnboardingNotFoundError(onboardingId);
      throw err;
    }
    if (description.status.name === 'RUNNING') {
      throw new OnboardingUnavailableError(
        isDeadlineExceeded(queryError)
          ? `the onboarding did not answer within ${this.queryTimeoutMs} ms (is its worker running?)`
          : `the onboarding could not report its status: ${String(queryError)}`,
      );
    }
    try {
      const result: unknown = await handle.result();
      if (isOnboardingStatus(result)) return result;
    } catch {
      // Failed, terminated or timed out: described from its search attributes below.
    }
    const recordedState = description.typedSearchAttributes.get(SA_STATE) as OnboardingState | undefined;
    const state: OnboardingState =
      recordedState && FINAL_STATES.includes(recordedState)
        ? recordedState
        : description.status.name === 'CANCELLED'
          ? 'cancelled'
          : 'failed';
    const closedAt = (description.closeTime ?? new Date()).toISOString();
    return this.statusFromExecutionRecord(onboardingId, description, {
      state,
      at: closedAt,
      what: `workflow ${description.status.name.toLowerCase()}`,
      why: 'status rebuilt from the execution record: the workflow could not be queried',
    });
  }

  /** A status built from what Temporal records about the execution, for when the workflow cannot be asked. */
  private statusFromExecutionRecord(
    onboardingId: string,
    description: WorkflowDescription,
    known: ExecutionRecordFacts,
  ): OnboardingStatus {
    const { provider } = this.parseOnboardingId(onboardingId);
    const customerRef = onboardingId.slice(`onboarding:${provider}:`.length);
    return {
      onboardingId,
      provider,
      customerRef,
      state: known.state,
      step: description.typedSearchAttributes.get(SA_STEP) ?? 'unknown',
      blockedOn: null,
      blockedSince: null,
      pendingActions: [],
      steps: [],
      result: {},
      timeline: [{ at: known.at, actor: 'system', what: known.what, why: known.why }],
      startedAt: description.startTime.toISOString(),
      updatedAt: known.at,
    };
  }

  private summarize(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo): OnboardingSummary {
    const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
    const toIso = (timestamp: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime']): string | null =>
      timestamp?.seconds != null
        ? new Date(Number(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6)).toISOString()
        : null;
    const blockedSince = attributes.get(SA_BLOCKED_SINCE);
    return {
      onboardingId: execution.execution?.workflowId ?? '',
      provider: attributes.get(SA_PROVIDER) ?? null,
      state: attributes.get(SA_STATE) ?? null,
      step: attributes.get(SA_STEP) ?? null,
      blockedOn: attributes.get(SA_BLOCKED_ON) ?? null,
      blockedSince: blockedSince ? blockedSince.toISOString() : null,
      executionStatus: EXECUTION_STATUS_NAMES[execution.status ?? 0] ?? 'Unspecified',
      startedAt: toIso(execution.startTime),
      closedAt: toIso(execution.closeTime),
    };
  }
}
