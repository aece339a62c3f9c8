/**
 * What the simulators created, in order: `ctx.audit.record(provider, kind, id, data?)`.
 * `GET /_sandbox/audit?provider=&kind=&id=` lets a test prove nothing was created twice
 * (e.g. exactly one `application` for a customer after retries and replays).
 */
export interface AuditEntry {
  seq: number;
  at: string;
  provider: string;
  /** What was created or changed, e.g. `application`, `document`, `customer`, `account`, `status`. */
  kind: string;
  id: string;
  data?: Record<string, unknown>;
}

export interface AuditFilter {
  provider?: string;
  kind?: string;
  id?: string;
}

export class AuditLog {
  private entries: AuditEntry[] = [];
  private seq = 0;

  constructor(private readonly clock: () => Date) {}

  record(provider: string, kind: string, id: string, data?: Record<string, unknown>): AuditEntry {
    const entry: AuditEntry = { seq: ++this.seq, at: this.clock().toISOString(), provider, kind, id };
    if (data !== undefined) entry.data = data;
    this.entries.push(entry);
    return entry;
  }

  list(filter: AuditFilter = {}): AuditEntry[] {
    return this.entries.filter(
      (entry) =>
        (filter.provider === undefined || entry.provider === filter.provider) &&
        (filter.kind === undefined || entry.kind === filter.kind) &&
        (filter.id === undefined || entry.id === filter.id),
    );
  }

  clear(): void {
    this.entries = [];
  }
}
