/**
 * Operator commands, each taking a reason and recording who acted (`by` in the timeline): list onboardings blocked
 * on someone for longer than a while, retry a step, extend a deadline, cancel, and re-drive in bulk. The gateway's
 * operator routes (client/gateway/operator-routes.ts) wrap this class, and `npm run ops` calls those routes, so
 * there is one implementation path. Bulk re-drive goes through the same single-onboarding retryStep, one at a time,
 * at a bounded rate.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { extendDeadlineUpdate } from '../contract/operator.js';
import type { OnboardingStatus } from '../contract/onboarding.js';
import { OnboardingError } from './errors.js';
import type { OnboardingClient } from './onboarding-client.js';
import { parseOrThrow } from './provider-definition.js';
import {
  blockedFiltersSchema,
  extendDeadlineBodySchema,
  intervalOfRate,
  redriveBodySchema,
} from './operator-schemas.js';
import type {
  BlockedFilters,
  BlockedList,
  ExtendDeadlineBody,
  RedriveBody,
  RedriveItem,
  RedriveResult,
} from './operator-schemas.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationOf(value: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : 0;
}

/** Visibility values come from zod enums or patterns, but quote defensively anyway. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class OperatorCommands {
  constructor(
    private readonly onboarding: OnboardingClient,
    /** Workflow time is not ours: tests may pin "now" for the blocked-since cut-off. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Running onboardings blocked on `blockedOn` since longer than `olderThan`: a visibility query on the
   * OnboardingBlockedOn and OnboardingBlockedSince search attributes (set by the workflow when the block starts).
   */
  async listBlocked(filters: BlockedFilters): Promise<BlockedList> {
    const parsed = parseOrThrow(blockedFiltersSchema, filters, 'the blocked filters');
    const cutOff = new Date(this.now() - durationOf(parsed.olderThan)).toISOString();
    const clauses = [
      parsed.provider
        ? `OnboardingProvider = ${quote(parsed.provider)}`
        : `OnboardingProvider IN (${this.onboarding.providers.names().map(quote).join(', ')})`,
      `ExecutionStatus = 'Running'`,
      `OnboardingBlockedOn = ${quote(parsed.blockedOn)}`,
      `OnboardingBlockedSince < ${quote(cutOff)}`,
    ];
    if (parsed.step) clauses.push(`OnboardingStep = ${quote(parsed.step)}`);
    const query = clauses.join(' AND ');
    const response = await this.onboarding.client.workflowService.listWorkflowExecutions({
      namespace: this.onboarding.namespace,
      query,
      pageSize: parsed.pageSize,
    });
    return { query, onboardings: response.executions.map((execution) => this.onboarding.summarize(execution)) };
  }

  /** Moves the expiry of a wait on the customer later (the workflow's extendDeadline Update). */
  async extendDeadline(onboardingId: string, body: ExtendDeadlineBody, operator: string): Promise<OnboardingStatus> {
    this.onboarding.parseOnboardingId(onboardingId);
    const request = parseOrThrow(extendDeadlineBodySchema, body, 'the extend-deadline body');
    return this.onboarding.update(onboardingId, extendDeadlineUpdate, {
      ...(request.wait === undefined ? {} : { wait: request.wait }),
      ...(request.by === undefined ? {} : { by: request.by }),
      ...(request.until === undefined ? {} : { until: request.until }),
      reason: request.reason,
      actor: 'operator',
      operator,
    });
  }

  retryStep(onboardingId: string, body: { step: string; reason: string }, operator: string): Promise<OnboardingStatus> {
    return this.onboarding.retryStep(onboardingId, body, operator);
  }

  cancel(onboardingId: string, body: { reason: string }, operator: string): Promise<OnboardingStatus> {
    return this.onboarding.cancel(onboardingId, { reason: body.reason, actor: 'operator' }, { operator });
  }

  /**
   * Retries `step` of every running onboarding of `provider` waiting for an operator retry there (blockedOn
   * `retrying`) whose step's lastError contains `error`. Without `apply` it only counts and lists them; with it,
   * each goes through retryStep in turn, no faster than `rate`, and the answer says which were done or failed.
   */
  async redrive(body: RedriveBody, operator: string): Promise<RedriveResult> {
    const request = parseOrThrow(redriveBodySchema, body, 'the redrive body');
    const known = this.onboarding.providers.names();
    if (!known.includes(request.provider)) {
      throw new OnboardingError(422, 'validation_failed', `the redrive body is invalid: provider: one of ${known}`, {
        issues: [{ path: 'provider', message: `one of ${known.join(', ')}` }],
      });
    }
    const { query, candidates } = await this.retryCandidates(request.provider, request.step, request.limit);
    const needle = request.error?.toLowerCase();
    const matches: RedriveItem[] = [];
    for (const onboardingId of candidates) {
      const status = await this.onboarding.get(onboardingId).catch(() => undefined);
      if (!status || status.blockedOn !== 'retrying' || status.step !== request.step) continue;
      const lastError = status.steps.find((step) => step.name === request.step)?.lastError ?? null;
      if (needle !== undefined && !(lastError ?? '').toLowerCase().includes(needle)) continue;
      matches.push({ onboardingId, lastError });
    }
    const result: RedriveResult = {
      apply: request.apply,
      query,
      matched: matches.length,
      done: 0,
      failed: 0,
      items: matches,
    };
    if (!request.apply) return result;

    const intervalMs = intervalOfRate(request.rate);
    let nextAt = Date.now();
    for (const item of matches) {
      await delay(Math.max(0, nextAt - Date.now()));
      nextAt = Date.now() + intervalMs;
      try {
        await this.onboarding.retryStep(item.onboardingId, { step: request.step, reason: request.reason }, operator);
        item.outcome = 'done';
        result.done += 1;
      } catch (err) {
        item.outcome = 'failed';
        item.error =
          err instanceof OnboardingError
            ? { code: err.code, message: err.message }
            : { code: 'internal', message: String(err) };
        result.failed += 1;
      }
    }
    return result;
  }

  /** Ids of the running onboardings of `provider` blocked on `retrying` at `step`, newest first, up to `limit`. */
  private async retryCandidates(
    provider: string,
    step: string,
    limit: number,
  ): Promise<{ query: string; candidates: string[] }> {
    const query = [
      `OnboardingProvider = ${quote(provider)}`,
      `ExecutionStatus = 'Running'`,
      `OnboardingBlockedOn = 'retrying'`,
      `OnboardingStep = ${quote(step)}`,
    ].join(' AND ');
    const candidates: string[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await this.onboarding.client.workflowService.listWorkflowExecutions({
        namespace: this.onboarding.namespace,
        query,
        pageSize: Math.min(100, limit - candidates.length),
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const execution of response.executions) {
        const id = execution.execution?.workflowId;
        if (id && candidates.length < limit) candidates.push(id);
      }
      nextPageToken = response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
    } while (nextPageToken && candidates.length < limit);
    return { query, candidates };
  }
}
