/**
 * The messages every onboarding answers, whatever its provider: the status query, the providerEvent signal and
 * the cancel Updates (one answering once compensation has settled, one at once). Customer actions, which differ per provider, are registered in customer-actions.ts.
 */
import { CancellationScope, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { cancelReasonRule } from '../../contract/rules.js';
import {
  cancelUpdate,
  providerEventSignal,
  requestCancelUpdate,
  startAnswerUpdate,
  statusQuery,
} from '../../contract/onboarding.js';
import type { Actor, CancelRequest, ProviderEvent, StartAnswerRequest } from '../../contract/onboarding.js';
import { actionNotExpected, invalidAction } from './failures.js';
import type { ProviderEventInbox } from './provider-events.js';
import type { Saga } from './saga.js';
import type { StatusRecord } from './status-record.js';

const ACTORS: readonly Actor[] = ['system', 'customer', 'operator', 'provider'];

/** Registers, in this order, the status query, the providerEvent signal and the cancel Update. */
export function registerCommonHandlers(record: StatusRecord, inbox: ProviderEventInbox, saga: Saga): void {
  setHandler(statusQuery, () => record.snapshot());

  setHandler(providerEventSignal, (event: ProviderEvent) => inbox.receive(event));

  const validateCancel = (request: CancelRequest): void => {
    record.assertOpen();
    if (saga.cancelRequested) throw actionNotExpected('a cancel is already in progress', record.actionContext());
    const reasonProblem = cancelReasonRule((request as Partial<CancelRequest> | undefined)?.reason);
    if (reasonProblem) throw invalidAction({ field: 'reason', message: reasonProblem });
    if (request.actor !== undefined && !ACTORS.includes(request.actor)) {
      throw invalidAction({ field: 'actor', message: `one of ${ACTORS.join(', ')}` });
    }
  };

  setHandler(
    cancelUpdate,
    async (request: CancelRequest) => {
      saga.cancel({ reason: request.reason.trim(), actor: request.actor ?? 'customer' });
      // The caller gets the status after compensation, i.e. the final one.
      await CancellationScope.nonCancellable(() => condition(() => record.settled));
      return record.snapshot();
    },
    { validator: validateCancel },
  );

  // The start's answer: the token is fresh per start request, and only the request that created this onboarding
  // wrote it into the memo (USE_EXISTING keeps the first start's memo), so every later request, whichever run it
  // reaches, is told "existing". Read-only: registering it changes no recorded history.
  setHandler(startAnswerUpdate, (request: StartAnswerRequest) => {
    const token = (request as Partial<StartAnswerRequest> | undefined)?.startToken;
    const created = typeof token === 'string' && workflowInfo().memo?.startToken === token;
    return { created, status: record.snapshot() };
  });

  // Registering a handler adds no command, so recorded histories replay unchanged.
  setHandler(
    requestCancelUpdate,
    (request: CancelRequest) => {
      saga.cancel({ reason: request.reason.trim(), actor: request.actor ?? 'customer' });
      return record.snapshot();
    },
    { validator: validateCancel },
  );
}
