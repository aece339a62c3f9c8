/**
 * What the Temporal Web UI shows on the workflow page as "current details": the business state in words (state,
 * step, blocked on what since when, pending actions and their deadlines), so an operator reads it without adding
 * columns or decoding payloads. Workflow metadata, not a command: setting it costs no history event and replays
 * the same. PII-free by construction: it is built from the status fields that are ids and names of steps only.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { OnboardingStatus } from '../../contract/onboarding.js';

export function currentDetailsOf(status: OnboardingStatus): string {
  const lines = [
    `**${status.provider} onboarding** · customerRef \`${status.customerRef}\``,
    `**State:** ${status.state} · **step:** ${status.step}`,
  ];
  if (status.blockedOn) lines.push(`**Blocked on:** ${status.blockedOn} since ${status.blockedSince ?? 'now'}`);
  for (const pending of status.pendingActions) {
    lines.push(`**Pending action:** \`${pending.action}\` (expires ${pending.expiresAt})`);
  }
  const done = status.steps.filter((step) => step.status !== 'pending').map((step) => `${step.name}: ${step.status}`);
  if (done.length > 0) lines.push(`**Steps:** ${done.join(' · ')}`);
  return lines.join('\n\n');
}

export class CurrentDetailsPublisher {
  private published = '';

  publish(status: OnboardingStatus): void {
    const details = currentDetailsOf(status);
    if (details === this.published) return;
    this.published = details;
    setCurrentDetails(details);
  }
}
