/**
 * How the onboarding client starts an onboarding (client/onboarding-client.ts `start`): in one round trip with
 * Update-with-start (`USE_EXISTING`) and the read-only `startAnswer` Update, or, on a server that refuses
 * ExecuteMultiOperation, in two calls and a query (start, describe, status query). Either way the caller learns
 * whether its request created the onboarding (the request's fresh `startToken` is the one in the memo), and gets a
 * status even when no worker answers yet (the execution record's).
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { createLogger } from '../common/log.js';
import { SA_STATE, startAnswerUpdate, statusQuery } from '../contract/onboarding.js';
import type { OnboardingState, OnboardingStatus } from '../contract/onboarding.js';

export interface StartResult {
  /** True when this call started the onboarding; false when it already existed (running or finished). */
  created: boolean;
  status: OnboardingStatus;
}

export type WorkflowDescription = Awaited<ReturnType<WorkflowHandle['describe']>>;

/** What a status built from the execution record says (the rest it cannot know). */
export interface ExecutionRecordFacts {
  state: OnboardingState;
  at: string;
  what: string;
  why: string;
}

export interface OnboardingStarterOptions {
  client: Client;
  queryTimeoutMs: number;
  /** Start with Update-with-start (until the server refuses it once). */
  updateWithStart: boolean;
  /** The status of an onboarding that exists (e.g. a finished one, which is never restarted). */
  get: (onboardingId: string) => Promise<OnboardingStatus>;
  /** A status built from what Temporal records about the execution. */
  fromExecutionRecord: (
    onboardingId: string,
    description: WorkflowDescription,
    known: ExecutionRecordFacts,
  ) => OnboardingStatus;
}

/** How long a start waits for the new onboarding's first status before answering from the execution record. */
const START_STATUS_TIMEOUT_MS = 3_000;

const log = createLogger('onboarding-client');

/**
 * The server refuses Update-with-start (ExecuteMultiOperation) when `frontend.enableExecuteMultiOperation` is off
 * (an older or locked-down server): the start then takes the two-call path.
 */
function isMultiOperationRefused(err: unknown): boolean {
  const text = `${String(err)} ${err instanceof Error && err.cause ? String(err.cause) : ''}`;
  return /multi.?operation/i.test(text) && /disabled|not (enabled|supported)|unimplemented|permission/i.test(text);
}

export function isDeadlineExceeded(err: unknown): boolean {
  const text = `${String(err)} ${err instanceof Error && err.cause ? String(err.cause) : ''}`;
  return /deadline|DEADLINE_EXCEEDED|timed? ?out/i.test(text);
}

export class OnboardingStarter {
  private updateWithStart: boolean;

  constructor(private readonly deps: OnboardingStarterOptions) {
    this.updateWithStart = deps.updateWithStart;
  }

  /** Starts (or finds) the onboarding `options` describe; `startToken` is the one in `options.memo`. */
  async start(workflowType: string, options: WorkflowStartOptions, startToken: string): Promise<StartResult> {
    if (this.updateWithStart) {
      try {
        return await this.startInOneCall(workflowType, options, startToken);
      } catch (err) {
        if (!isMultiOperationRefused(err)) throw err;
        this.updateWithStart = false;
        log.warn('the Temporal server refuses Update-with-start: starts take two calls from now on', {
          error: String(err),
        });
      }
    }
    return this.startInTwoCalls(workflowType, options, startToken);
  }

  /**
   * One round trip: Update-with-start (`USE_EXISTING`) runs the read-only `startAnswer` Update on the onboarding
   * it started or found, which answers whether this request created it, and its status. A worker that does not
   * answer within the start's short wait, or one that predates the Update, leaves the answer to the execution
   * record, as on the two-call path.
   */
  private async startInOneCall(
    workflowType: string,
    options: WorkflowStartOptions,
    startToken: string,
  ): Promise<StartResult> {
    const workflowId = options.workflowId;
    const startWorkflowOperation = new WithStartWorkflowOperation(workflowType, {
      ...options,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      const timeoutMs = Math.min(this.deps.queryTimeoutMs, START_STATUS_TIMEOUT_MS);
      return await this.deps.client.withDeadline(Date.now() + timeoutMs, () =>
        this.deps.client.workflow.executeUpdateWithStart(startAnswerUpdate, {
          args: [{ startToken }],
          startWorkflowOperation,
        }),
      );
    } catch (err) {
      // A finished onboarding is never restarted (REJECT_DUPLICATE): it is answered as it ended.
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return { created: false, status: await this.deps.get(workflowId) };
      if (isMultiOperationRefused(err)) throw err;
      let description: WorkflowDescription;
      try {
        description = await this.deps.client.workflow.getHandle(workflowId).describe();
      } catch {
        throw err;
      }
      const created = description.memo?.startToken === startToken;
      // The worker did not answer the Update in time: asking it again (a query) would only wait as long again.
      if (description.status.name === 'RUNNING' && isDeadlineExceeded(err)) {
        return { created, status: this.startedStatus(workflowId, description, err) };
      }
      return { created, status: await this.statusAfterStart(workflowId, description) };
    }
  }

  /** Two round trips and a query: start (`USE_EXISTING`), describe (created or not), then the status query. */
  private async startInTwoCalls(
    workflowType: string,
    options: WorkflowStartOptions,
    startToken: string,
  ): Promise<StartResult> {
    let handle: WorkflowHandle;
    try {
      handle = await this.deps.client.workflow.start(workflowType, options);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        return { created: false, status: await this.deps.get(options.workflowId) };
      }
      throw err;
    }
    const description = await handle.describe();
    const created = description.memo?.startToken === startToken;
    return { created, status: await this.statusAfterStart(options.workflowId, description) };
  }

  /**
   * The status right after a start. The onboarding exists whatever its worker is doing, so a worker that does not
   * answer (not running yet, or busy) must not hide that from the caller: the status known from the execution
   * record is answered instead, after a short wait rather than the full query timeout.
   */
  private async statusAfterStart(onboardingId: string, description: WorkflowDescription): Promise<OnboardingStatus> {
    const handle = this.deps.client.workflow.getHandle(onboardingId);
    try {
      const timeoutMs = Math.min(this.deps.queryTimeoutMs, START_STATUS_TIMEOUT_MS);
      return await this.deps.client.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery));
    } catch (err) {
      if (description.status.name !== 'RUNNING') return this.deps.get(onboardingId);
      return this.startedStatus(onboardingId, description, err);
    }
  }

  /** A running onboarding whose worker has not answered yet: its status as the execution record knows it. */
  private startedStatus(onboardingId: string, description: WorkflowDescription, err: unknown): OnboardingStatus {
    log.warn('onboarding started; its worker has not answered yet', { onboardingId, error: String(err) });
    const attributes = description.typedSearchAttributes;
    return this.deps.fromExecutionRecord(onboardingId, description, {
      state: (attributes.get(SA_STATE) as OnboardingState | undefined) ?? 'in_progress',
      at: description.startTime.toISOString(),
      what: 'onboarding started',
      why: 'status from the execution record: the worker has not reported yet; GET the onboarding for its progress',
    });
  }
}
