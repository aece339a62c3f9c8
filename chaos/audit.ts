/**
 * Lost and duplicated, from the sandbox's audit of what each provider created (GET /_sandbox/audit).
 *
 * Provider-independent: an onboarding's `result` holds the ids of what the provider created for it; the first audit
 * entry carrying such an id gives that entity's kind (application, account, person, card…). Every audit entry of
 * that kind created during the scenario should be some onboarding's: one more entity of a kind than the
 * onboardings holding one is a duplicate (a retried create that made a second one).
 */
import type { OnboardingOutcome } from './load.js';

export interface AuditEntry {
  seq: number;
  provider: string;
  kind: string;
  id: string;
}

export async function auditEntries(sandboxUrl: string): Promise<AuditEntry[]> {
  const response = await fetch(`${sandboxUrl}/_sandbox/audit`);
  if (!response.ok) throw new Error(`GET /_sandbox/audit: ${response.status}`);
  return ((await response.json()) as { items: AuditEntry[] }).items;
}

export async function auditWatermark(sandboxUrl: string): Promise<number> {
  const entries = await auditEntries(sandboxUrl);
  return entries.reduce((max, entry) => Math.max(max, entry.seq), 0);
}

export interface AuditVerdict {
  completed: number;
  /** Started but not completed: unfinished at the deadline, failed, refused. */
  lost: number;
  /** Entities created beyond one per onboarding, summed over kinds. */
  duplicated: number;
  /** e.g. ["netspend card: 21 created for 20 onboardings"]. */
  details: string[];
}

const idsIn = (result: Record<string, unknown> | null): string[] =>
  Object.values(result ?? {}).filter((value): value is string => typeof value === 'string' && value.length > 0);

export async function auditVerdict(
  sandboxUrl: string,
  outcomes: OnboardingOutcome[],
  sinceSeq: number,
): Promise<AuditVerdict> {
  return verdictOf(await auditEntries(sandboxUrl), outcomes, sinceSeq);
}

/** The verdict from audit entries (those after `sinceSeq`) and the scenario's outcomes. */
export function verdictOf(all: AuditEntry[], outcomes: OnboardingOutcome[], sinceSeq: number): AuditVerdict {
  const entries = all.filter((entry) => entry.seq > sinceSeq);
  const details: string[] = [];
  const completed = outcomes.filter((outcome) => outcome.state === 'completed').length;
  const lostOnes = outcomes.filter((outcome) => outcome.state !== 'completed');
  for (const outcome of lostOnes.slice(0, 5)) {
    details.push(
      `${outcome.onboardingId}: ${outcome.state}${outcome.error ? ` (${outcome.error.slice(0, 160)})` : ''}`,
    );
  }
  let duplicated = 0;
  const providers = new Set(outcomes.map((outcome) => outcome.provider));
  for (const provider of providers) {
    const mine = entries.filter((entry) => entry.provider === provider);
    const firstKindOf = new Map<string, string>();
    for (const entry of mine) if (!firstKindOf.has(entry.id)) firstKindOf.set(entry.id, entry.kind);
    // Per kind: how many onboardings hold an entity of it.
    const holders = new Map<string, number>();
    for (const outcome of outcomes.filter((candidate) => candidate.provider === provider)) {
      const kinds = new Set(idsIn(outcome.result).flatMap((id) => firstKindOf.get(id) ?? []));
      for (const kind of kinds) holders.set(kind, (holders.get(kind) ?? 0) + 1);
    }
    // A lost onboarding may hold one entity of each kind that no result names: those are not counted as duplicates
    // (a lost onboarding already fails the scenario).
    const unfinished = outcomes.filter((o) => o.provider === provider && o.state !== 'completed').length;
    for (const [kind, held] of holders) {
      const ids = new Set(mine.filter((entry) => entry.kind === kind).map((entry) => entry.id));
      // Where the simulator also audits an entity's first use (`<kind>_in_use`), one created and never used (its
      // creation's answer was lost, so nothing of ours ever held it) is an orphan, reported apart: the provider then
      // holds nothing the customer has twice. Only used ones can be duplicates.
      const used = new Set(mine.filter((entry) => entry.kind === `${kind}_in_use`).map((entry) => entry.id));
      if (used.size > 0) {
        const orphans = [...ids].filter((id) => !used.has(id)).length;
        if (orphans > 0)
          details.push(`${provider} ${kind}: ${orphans} orphaned (created, never used; not a duplicate)`);
        for (const id of [...ids]) if (!used.has(id)) ids.delete(id);
      }
      const created = ids.size;
      if (created > held + unfinished) {
        duplicated += created - held - unfinished;
        details.push(
          `${provider} ${kind}: ${created} created for ${held} completed (+ ${unfinished} unfinished) onboardings`,
        );
      }
    }
  }
  return { completed, lost: lostOnes.length, duplicated, details };
}
