/**
 * Jiko's event types and webhook subscriptions, shaped as its Partner API reference shows them (openapi v1.29):
 *
 *   GET    /api/v1/events/types/               {offset, count, items: [{event, object_type: "EventType"}], object_type: "List"}
 *   GET    /api/v1/subscriptions/?cursor=&limit=   {prev_page, next_page, items: [Subscription], object_type: "CursorList"}
 *   POST   /api/v1/subscriptions/              {description?, events, url, shared_secret, retry_policy?} → 201 Subscription
 *   GET    /api/v1/subscriptions/{id}/         Subscription
 *   PATCH  /api/v1/subscriptions/{id}/         any of the create fields → Subscription
 *   DELETE /api/v1/subscriptions/{id}/         204
 *
 * Subscription = {id, description, events, url, time_created, updated_at, status, retry_policy?, object_type}; the
 * shared secret signs deliveries and is never shown again.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from '../core/context.js';
import { jikoTimestamp } from './applications.js';
import {
  EVENT_TYPES,
  issue,
  subscriptionSchema,
  subscriptionUpdateSchema,
  validationError,
  zodToFastApi,
  type EventType,
} from './schemas.js';

export interface Subscription {
  id: string;
  description: string;
  events: EventType[];
  url: string;
  sharedSecret: string;
  /** Kept as the partner sent it and shown back; our delivery schedule does not change with it (README, ASSUMED). */
  retryPolicy: Record<string, unknown> | undefined;
  createdAt: string;
  updatedAt: string;
}

const listQuerySchema = z.object({
  cursor: z.string().default(''),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

/** Cursors are opaque to the partner: base64 of the position, as Jiko's look. */
const cursorFor = (position: number): string => Buffer.from(`p=${position}`).toString('base64');
function positionOf(cursor: string): number | undefined {
  if (cursor === '') return 0;
  const match = /^p=(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

export function subscriptionView(subscription: Subscription): Record<string, unknown> {
  return {
    id: subscription.id,
    description: subscription.description,
    events: subscription.events,
    url: subscription.url,
    time_created: subscription.createdAt,
    updated_at: subscription.updatedAt,
    status: 'enabled',
    ...(subscription.retryPolicy ? { retry_policy: subscription.retryPolicy } : {}),
    object_type: 'Subscription',
  };
}

function unprocessable(reply: FastifyReply, error: z.ZodError, where: 'body' | 'query'): FastifyReply {
  return reply.code(422).send(validationError(zodToFastApi(error, where)));
}

export class JikoSubscriptions {
  private readonly byId = new Map<string, Subscription>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly provider: string,
  ) {}

  clear(): void {
    this.byId.clear();
  }

  get size(): number {
    return this.byId.size;
  }

  /** The subscriptions that listen to `eventType`, in creation order. */
  listening(eventType: EventType): Subscription[] {
    return [...this.byId.values()].filter((subscription) => subscription.events.includes(eventType));
  }

  register(app: FastifyInstance): void {
    app.get('/api/v1/events/types/', async () => ({
      offset: 0,
      count: EVENT_TYPES.length,
      items: EVENT_TYPES.map((event) => ({ event, object_type: 'EventType' })),
      object_type: 'List',
    }));

    app.get('/api/v1/subscriptions/', async (request, reply) => {
      const query = listQuerySchema.safeParse(request.query);
      if (!query.success) return unprocessable(reply, query.error, 'query');
      const position = positionOf(query.data.cursor);
      if (position === undefined) {
        return reply.code(422).send(validationError([issue(['query', 'cursor'], 'Invalid cursor')]));
      }
      const all = [...this.byId.values()];
      const { limit } = query.data;
      const end = position + limit;
      return {
        prev_page: position > 0 ? cursorFor(Math.max(0, position - limit)) : null,
        next_page: end < all.length ? cursorFor(end) : null,
        items: all.slice(position, end).map(subscriptionView),
        object_type: 'CursorList',
      };
    });

    app.post('/api/v1/subscriptions/', async (request, reply) => {
      const parsed = subscriptionSchema.safeParse(request.body);
      if (!parsed.success) return unprocessable(reply, parsed.error, 'body');
      const now = jikoTimestamp(this.ctx.clock());
      const subscription: Subscription = {
        id: randomUUID(),
        description: parsed.data.description ?? '',
        events: parsed.data.events,
        url: parsed.data.url,
        sharedSecret: parsed.data.shared_secret,
        retryPolicy: parsed.data.retry_policy ?? undefined,
        createdAt: now,
        updatedAt: now,
      };
      this.byId.set(subscription.id, subscription);
      this.ctx.audit.record(this.provider, 'subscription', subscription.id, {
        events: subscription.events,
        url: subscription.url,
      });
      return reply.code(201).send(subscriptionView(subscription));
    });

    app.get('/api/v1/subscriptions/:subscription_id/', async (request, reply) => {
      const subscription = this.find(request.params);
      return subscription ? subscriptionView(subscription) : reply.code(404).send({ detail: 'Not found' });
    });

    app.patch('/api/v1/subscriptions/:subscription_id/', async (request, reply) => {
      const subscription = this.find(request.params);
      if (!subscription) return reply.code(404).send({ detail: 'Not found' });
      const parsed = subscriptionUpdateSchema.safeParse(request.body ?? {});
      if (!parsed.success) return unprocessable(reply, parsed.error, 'body');
      const change = parsed.data;
      if (change.description !== undefined) subscription.description = change.description ?? '';
      if (change.events !== undefined) subscription.events = change.events;
      if (change.url !== undefined) subscription.url = change.url;
      if (change.shared_secret !== undefined) subscription.sharedSecret = change.shared_secret;
      if (change.retry_policy !== undefined) subscription.retryPolicy = change.retry_policy ?? undefined;
      subscription.updatedAt = jikoTimestamp(this.ctx.clock());
      return subscriptionView(subscription);
    });

    app.delete('/api/v1/subscriptions/:subscription_id/', async (request, reply) => {
      const subscription = this.find(request.params);
      if (!subscription) return reply.code(404).send({ detail: 'Not found' });
      this.byId.delete(subscription.id);
      return reply.code(204).send();
    });
  }

  private find(params: unknown): Subscription | undefined {
    const { subscription_id: id } = params as { subscription_id: string };
    return this.byId.get(id);
  }
}
