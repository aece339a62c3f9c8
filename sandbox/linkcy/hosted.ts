/**
 * Our stand-ins for Linkcy's hosted pages, so a person running the demo can play the customer in a browser:
 * - `GET /_sandbox/linkcy/hosted/kyc/{kycId}` opens the KYC page (CREATED → PROCESSING, as the real customer opening
 *   the link would) and shows one button per outcome; `POST` with `outcome` finishes it like the `complete` control
 *   and redirects to the partner's `urlOnComplete` / `urlOnFailure` when it set them;
 * - `GET /_sandbox/linkcy/hosted/email/{token}` is the link in the verification email: it verifies the address and
 *   redirects to `urlOnSuccess` (or `urlOnFailure` when expired) when the partner set them.
 * Under /_sandbox: never faulted.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { KycMachine } from './kyc.js';
import type { Verifications } from './verifications.js';

export type HostedPage = 'kyc' | 'email';

/** Where links point: SANDBOX_LINKCY_PUBLIC_URL if set, else the host the partner's request reached. */
export function hostedPageBase(request: FastifyRequest, publicUrl: string | undefined, hostedPage: HostedPage): string {
  const base = publicUrl ?? `${request.protocol}://${request.headers.host ?? '127.0.0.1:4010'}`;
  return `${base}/_sandbox/linkcy/hosted/${hostedPage}`;
}

const finishSchema = z.object({ outcome: z.enum(['approved', 'rejected', 'review', 'abandon']) });

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}

/** Registered inside the `/_sandbox/linkcy` scope, so paths here are relative to it. */
export function registerHostedPages(app: FastifyInstance, kyc: KycMachine, verifications: Verifications): void {
  app.get('/hosted/kyc/:kycId', async (request, reply) => {
    const id = (request.params as { kycId: string }).kycId;
    const current = kyc.get(id);
    if (current.status === 'CREATED') kyc.open(id);
    const buttons =
      current.status === 'PROCESSING'
        ? ['approved', 'rejected', 'review', 'abandon']
            .map((outcome) => `<button name="outcome" value="${outcome}">Finish: ${outcome}</button> `)
            .join('')
        : '';
    const body =
      `<p>Sandbox identity verification <code>${escapeHtml(id)}</code>: <b>${current.status}</b></p>` +
      (buttons ? `<form method="post">${buttons}</form>` : '<p>Nothing left to do on this page.</p>');
    return reply.type('text/html; charset=utf-8').send(page('Linkcy sandbox KYC', body));
  });

  app.post('/hosted/kyc/:kycId', async (request, reply) => {
    const id = (request.params as { kycId: string }).kycId;
    const parsed = finishSchema.safeParse(request.body);
    if (!parsed.success) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(page('Choose an outcome', '<p>outcome is required</p>'));
    }
    const finished = kyc.complete(id, parsed.data.outcome);
    const target = parsed.data.outcome === 'abandon' ? finished.urlOnFailure : finished.urlOnComplete;
    if (target) return reply.redirect(target, 303);
    const body = `<p>Thank you. The verification is now <b>${finished.status}</b>.</p>`;
    return reply.type('text/html; charset=utf-8').send(page('Linkcy sandbox KYC', body));
  });

  app.get('/hosted/email/:token', async (request, reply) => {
    const { verified, redirectTo } = verifications.clickEmailLink((request.params as { token: string }).token);
    if (redirectTo) return reply.redirect(redirectTo, 303);
    const body = verified ? '<p>Your email address is verified.</p>' : '<p>This link has expired.</p>';
    return reply
      .code(verified ? 200 : 410)
      .type('text/html; charset=utf-8')
      .send(page('Linkcy sandbox email', body));
  });
}
