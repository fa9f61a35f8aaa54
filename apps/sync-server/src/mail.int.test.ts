import type { AddressInfo } from 'node:net';
import { invitationSchema } from '@cairn/core/protocol';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expect, it } from 'vitest';
import { describeBackends, EventFactory, startTestServer, TestClient, type Backend } from './testing/harness.js';

/** A message the listener accepted: who it was sent to (the envelope) and the raw message. */
interface Accepted {
  readonly to: string[];
  readonly raw: string;
}

/**
 * A real SMTP listener on 127.0.0.1 (no TLS, no auth). `refuse` makes it refuse every recipient, as a server that
 * does not relay for us would; it can be switched while the test runs.
 */
async function startSmtp(backend: Backend, options: { refuse?: boolean } = {}) {
  const accepted: Accepted[] = [];
  const state = { refuse: options.refuse ?? false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    onRcptTo(_address, _session, callback) {
      callback(state.refuse ? Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // Recorded before the listener answers, so a send that resolved is already here.
        accepted.push({ to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  backend.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    accepted,
    state,
    settings: { 'smtp-url': `smtp://127.0.0.1:${port}`, 'mail-from': 'Cairn <cairn@example.test>' },
    /** The messages sent to `address`, parsed. */
    async to(address: string): Promise<ParsedMail[]> {
      return Promise.all(accepted.filter((m) => m.to.includes(address)).map((m) => simpleParser(m.raw)));
    },
  };
}

/** The value of one sample on `GET /metrics` (0 when the series has not been written yet). */
async function metric(client: TestClient, series: string): Promise<number> {
  const text = (await client.request('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describeBackends('e-mail', (backend) => {
  it('mails an invitation to the address it names, with a code that joins the workspace', async () => {
    const smtp = await startSmtp(backend());
    const server = await startTestServer(backend(), smtp.settings);
    const admin = await new TestClient(server.url).account('admin', 'correct horse battery', { displayName: 'Ada Admin' });
    const ws = await admin.workspace('team');
    const res = await admin.request('POST', `/v1/workspaces/${ws}/invitations`, { role: 'editor', email: 'newcomer@example.test' });
    expect(res.status).toBe(201);
    const invitation = invitationSchema.parse(res.body);
    expect(invitation).toMatchObject({ emailed: true, email: 'newcomer@example.test', role: 'editor' });
    expect(smtp.accepted.map((m) => m.to)).toEqual([['newcomer@example.test']]);
    const [mail] = await smtp.to('newcomer@example.test');
    expect(mail!.from?.value).toEqual([{ address: 'cairn@example.test', name: 'Cairn' }]);
    expect(mail!.subject).toContain('Workspace team');
    expect(mail!.text).toContain('Ada Admin');
    expect(mail!.text).toContain(invitation.code);
    // The invitee uses the code from the mail, not from the admin's answer.
    const code = /Invitation code: (\S+)/.exec(mail!.text ?? '')?.[1];
    expect(code).toBe(invitation.code);
    const newcomer = await new TestClient(server.url).account('newcomer');
    await newcomer.join(code!);
    expect((await newcomer.request('GET', `/v1/workspaces/${ws}`)).body).toMatchObject({ id: ws, role: 'editor' });
    // An invitation without an address sends nothing.
    const plain = await admin.request('POST', `/v1/workspaces/${ws}/invitations`, { role: 'viewer' });
    expect(plain.body.emailed).toBe(false);
    expect(smtp.accepted).toHaveLength(1);
  });

  it("sends each member with an address one digest of teammates' changes, never their own, once per interval, and none to a member who turned it off", async () => {
    const smtp = await startSmtp(backend());
    let clock = Date.now();
    const server = await startTestServer(backend(), { ...smtp.settings, 'digest-interval-minutes': '1' }, { now: () => clock });
    const alice = await new TestClient(server.url).account('alice', 'correct horse battery', { email: 'alice@example.test' });
    const ws = await alice.workspace('team');
    const bob = await new TestClient(server.url).account('bob', 'correct horse battery', { email: 'bob@example.test' });
    await bob.join(await alice.invite(ws, 'editor'));
    const carol = await new TestClient(server.url).account('carol', 'correct horse battery', { email: 'carol@example.test' });
    await carol.join(await alice.invite(ws, 'viewer'));
    const dave = await new TestClient(server.url).account('dave');
    await dave.join(await alice.invite(ws, 'editor'));
    // Another team's change reaches nobody here.
    const erin = await new TestClient(server.url).account('erin', 'correct horse battery', { email: 'erin@example.test' });
    const elsewhere = await erin.workspace('elsewhere');

    await alice.push(ws, [new EventFactory(alice.deviceId).create('Roadmap 2025')]);
    await bob.push(ws, [new EventFactory(bob.deviceId).create('Budget draft')]);
    await dave.push(ws, [new EventFactory(dave.deviceId).create('Hiring plan')]);
    await erin.push(elsewhere, [new EventFactory(erin.deviceId).create('Private musings')]);
    await server.app.projector.drain();

    expect(await server.app.mailer.sendDigests()).toBe(3);
    expect(smtp.accepted.map((m) => m.to).sort()).toEqual([['alice@example.test'], ['bob@example.test'], ['carol@example.test']]);
    const [toAlice] = await smtp.to('alice@example.test');
    expect(toAlice!.text).toContain('bob changed "Budget draft"');
    expect(toAlice!.text).toContain('dave changed "Hiring plan"');
    expect(toAlice!.text).not.toContain('Roadmap 2025');
    const [toBob] = await smtp.to('bob@example.test');
    expect(toBob!.text).toContain('alice changed "Roadmap 2025"');
    expect(toBob!.text).toContain('Hiring plan');
    expect(toBob!.text).not.toContain('Budget draft');
    const [toCarol] = await smtp.to('carol@example.test');
    for (const title of ['Roadmap 2025', 'Budget draft', 'Hiring plan']) expect(toCarol!.text).toContain(title);
    for (const mail of [toAlice, toBob, toCarol]) {
      expect(mail!.text).not.toContain('Private musings');
      expect(mail!.from?.value[0]?.address).toBe('cairn@example.test');
    }

    // Right away again: nothing is due.
    expect(await server.app.mailer.sendDigests()).toBe(0);
    expect(smtp.accepted).toHaveLength(3);

    // Carol turns her digest off; a minute later, only what changed since goes out, and only to who has news.
    expect((await carol.request('PATCH', '/v1/me', { digest: false })).status).toBe(200);
    clock += 61_000;
    await alice.push(ws, [new EventFactory(alice.deviceId).create('Second thoughts')]);
    await server.app.projector.drain();
    expect(await server.app.mailer.sendDigests()).toBe(1);
    expect(smtp.accepted.slice(3).map((m) => m.to)).toEqual([['bob@example.test']]);
    const [, again] = await smtp.to('bob@example.test');
    expect(again!.text).toContain('alice changed "Second thoughts"');
    expect(again!.text).not.toContain('Roadmap 2025');
    expect(await smtp.to('carol@example.test')).toHaveLength(1);
  });

  it('sends nothing without an SMTP server configured, and says so in the invitation', async () => {
    const server = await startTestServer(backend(), { 'digest-interval-minutes': '1' });
    const admin = await new TestClient(server.url).account('admin', 'correct horse battery', { email: 'admin@example.test' });
    const ws = await admin.workspace('team');
    const res = await admin.request('POST', `/v1/workspaces/${ws}/invitations`, { role: 'editor', email: 'newcomer@example.test' });
    expect(res.status).toBe(201);
    const invitation = invitationSchema.parse(res.body);
    expect(invitation.emailed).toBe(false);
    const bob = await new TestClient(server.url).account('bob', 'correct horse battery', { email: 'bob@example.test' });
    await bob.join(invitation.code!);
    await bob.push(ws, [new EventFactory(bob.deviceId).create('Unannounced')]);
    await server.app.projector.drain();
    expect(await server.app.mailer.sendDigests()).toBe(0);
    expect((await admin.request('GET', '/metrics')).text).not.toMatch(/^cairn_emails_total\{/m);
  });

  it('answers an invitation when the SMTP server refuses it, says it was not mailed, and counts the failure', async () => {
    const smtp = await startSmtp(backend(), { refuse: true });
    const server = await startTestServer(backend(), smtp.settings);
    const admin = await new TestClient(server.url).account('admin');
    const ws = await admin.workspace('team');
    const failed = 'cairn_emails_total{kind="invitation",outcome="failed"}';
    const before = await metric(admin, failed);
    const res = await admin.request('POST', `/v1/workspaces/${ws}/invitations`, { role: 'viewer', email: 'nobody@example.test' });
    expect(res.status).toBe(201);
    const invitation = invitationSchema.parse(res.body);
    expect(invitation).toMatchObject({ emailed: false, email: 'nobody@example.test' });
    expect(await metric(admin, failed)).toBe(before + 1);
    expect(await metric(admin, 'cairn_emails_total{kind="invitation",outcome="sent"}')).toBe(0);
    expect(smtp.accepted).toEqual([]);
    // The code still works, handed over some other way.
    const viewer = await new TestClient(server.url).account('viewer');
    await viewer.join(invitation.code!);
    expect((await viewer.request('GET', `/v1/workspaces/${ws}`)).body.role).toBe('viewer');
  });

  it('keeps a digest the SMTP server refused due, and sends it once the server takes mail again', async () => {
    const smtp = await startSmtp(backend(), { refuse: true });
    const server = await startTestServer(backend(), { ...smtp.settings, 'digest-interval-minutes': '1' });
    const alice = await new TestClient(server.url).account('alice', 'correct horse battery', { email: 'alice@example.test' });
    const ws = await alice.workspace('team');
    const bob = await new TestClient(server.url).account('bob');
    await bob.join(await alice.invite(ws, 'editor'));
    await bob.push(ws, [new EventFactory(bob.deviceId).create('Meeting notes')]);
    await server.app.projector.drain();

    expect(await server.app.mailer.sendDigests()).toBe(0);
    expect(await metric(alice, 'cairn_emails_total{kind="digest",outcome="failed"}')).toBe(1);
    smtp.state.refuse = false;
    expect(await server.app.mailer.sendDigests()).toBe(1);
    const [digest] = await smtp.to('alice@example.test');
    expect(digest!.text).toContain('bob changed "Meeting notes"');
    expect(await server.app.mailer.sendDigests()).toBe(0);
  });
});
