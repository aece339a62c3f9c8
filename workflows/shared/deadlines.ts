/**
 * The expiries of the open waits on the customer, and the operator's `extendDeadline` Update that moves one later.
 * A wait reads its expiry from here each time it sets a timer, and the Update raises `moved`, which wakes the wait
 * so it sets its timer again for the new time: the old timer is cancelled rather than left to fire at the old
 * expiry. Without an extension nothing here changes a wait's commands, so recorded histories replay unchanged;
 * registering the Update adds no command.
 */
import { setHandler } from '@temporalio/workflow';
import { extendDeadlineShapeProblems, extendDeadlineUpdate, extendedExpiry } from '../../contract/operator.js';
import type { ExtendDeadlineRequest } from '../../contract/operator.js';
import { actionNotExpected, invalidAction } from './failures.js';
import type { OutboundEvents } from './outbound-events.js';
import type { StatusRecord } from './status-record.js';

/** The expiry of one open wait on the customer. */
export class CustomerDeadline {
  private movedSinceLastLook = false;

  constructor(
    /** Key into `options.deadlines` (e.g. 'agreements'). */
    readonly wait: string,
    /** The pending action the wait lists (e.g. 'acceptAgreements'). */
    readonly action: string,
    private atMs: number,
  ) {}

  get expiresAtMs(): number {
    return this.atMs;
  }

  get expiresAt(): string {
    return new Date(this.atMs).toISOString();
  }

  /** True once the expiry has moved and the wait has not yet set its timer again (a condition may watch it). */
  get moved(): boolean {
    return this.movedSinceLastLook;
  }

  /** Whether the expiry moved since the last call: the wait calls it when woken, then sets its timer again. */
  takeMoved(): boolean {
    const moved = this.movedSinceLastLook;
    this.movedSinceLastLook = false;
    return moved;
  }

  moveTo(atMs: number): void {
    this.atMs = atMs;
    this.movedSinceLastLook = true;
  }
}

export class CustomerDeadlines {
  private readonly open: CustomerDeadline[] = [];

  constructor(
    private readonly record: StatusRecord,
    private readonly outbound: OutboundEvents,
  ) {
    setHandler(extendDeadlineUpdate, (request) => this.extend(request), {
      validator: (request) => {
        this.record.assertOpen();
        const shape = extendDeadlineShapeProblems(request);
        if (shape[0]) throw invalidAction(shape[0]);
        const deadline = this.find(request.wait);
        const extended = extendedExpiry(request, deadline.expiresAtMs, Date.now());
        if ('field' in extended) throw invalidAction(extended);
      },
    });
  }

  /** A wait on the customer starts: its expiry is listed here until `close`. */
  openWait(wait: string, action: string, expiresAtMs: number): CustomerDeadline {
    const deadline = new CustomerDeadline(wait, action, expiresAtMs);
    this.open.push(deadline);
    return deadline;
  }

  closeWait(deadline: CustomerDeadline): void {
    const index = this.open.indexOf(deadline);
    if (index >= 0) this.open.splice(index, 1);
  }

  /** The open wait named by its wait key or action name; the only one when no name is given. */
  private find(name: string | undefined): CustomerDeadline {
    if (this.open.length === 0) {
      throw actionNotExpected('no wait on the customer is open: there is no deadline to extend', {
        ...this.record.actionContext(),
      });
    }
    const openNames = this.open.map((deadline) => `${deadline.wait} (${deadline.action})`).join(', ');
    if (name === undefined) {
      if (this.open.length === 1) return this.open[0] as CustomerDeadline;
      throw invalidAction({ field: 'wait', message: `several waits are open, name one: ${openNames}` });
    }
    const found = this.open.find((deadline) => deadline.wait === name || deadline.action === name);
    if (!found) throw invalidAction({ field: 'wait', message: `no open wait is named so; open: ${openNames}` });
    return found;
  }

  private extend(request: ExtendDeadlineRequest) {
    const deadline = this.find(request.wait);
    const before = deadline.expiresAt;
    const extended = extendedExpiry(request, deadline.expiresAtMs, Date.now());
    if ('field' in extended) throw invalidAction(extended);
    deadline.moveTo(extended.atMs);
    const { status } = this.record;
    for (const pending of status.pendingActions) {
      if (pending.action === deadline.action) pending.expiresAt = deadline.expiresAt;
    }
    this.record.addTimeline(
      request.actor ?? 'operator',
      `deadline of ${deadline.action} extended to ${deadline.expiresAt}`,
      `${request.reason.trim()} (was ${before})`,
      request.operator,
    );
    this.record.touch();
    this.outbound.emit('onboarding.deadline_extended', {
      step: status.step,
      action: deadline.action,
      expiresAt: deadline.expiresAt,
      previousExpiresAt: before,
    });
    return this.record.snapshot();
  }
}
