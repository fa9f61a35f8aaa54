import { acceptInvitationRequestSchema, changeRoleRequestSchema, createInvitationRequestSchema, createWorkspaceRequestSchema } from '@cairn/core/protocol';
import { requireRole } from '../../services/identity.js';
import { parseWith } from '../body.js';
import { sendEmpty, sendJson } from '../respond.js';
import { checkedUuid, type Route } from '../route.js';

/** Workspaces, members, roles and invitations. */
export const workspaceRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/v1/workspaces',
    async handle(ctx) {
      const principal = await ctx.principal();
      const input = parseWith(createWorkspaceRequestSchema, await ctx.json(), 'the workspace');
      sendJson(ctx.res, 201, await ctx.app.workspaces.create(principal, input.id, input.name));
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces',
    async handle(ctx) {
      sendJson(ctx.res, 200, { workspaces: await ctx.app.workspaces.list(await ctx.principal()) });
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      sendJson(ctx.res, 200, await ctx.app.workspaces.get(await ctx.principal(), ws));
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/members',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      requireRole(await ctx.principal(), ws, 'viewer');
      sendJson(ctx.res, 200, { members: await ctx.app.workspaces.members(ws) });
    },
  },
  {
    method: 'PUT',
    path: '/v1/workspaces/:ws/members/:userId',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const principal = await ctx.principal();
      requireRole(principal, ws, 'admin');
      const input = parseWith(changeRoleRequestSchema, await ctx.json(), 'the role');
      await ctx.app.workspaces.changeRole(principal, ws, checkedUuid(ctx.params.userId, 'user id'), input.role);
      sendJson(ctx.res, 200, { userId: ctx.params.userId, role: input.role });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/workspaces/:ws/members/:userId',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      await ctx.app.workspaces.removeMember(await ctx.principal(), ws, checkedUuid(ctx.params.userId, 'user id'));
      sendEmpty(ctx.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/v1/workspaces/:ws/invitations',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      const principal = await ctx.principal();
      requireRole(principal, ws, 'admin');
      const input = parseWith(createInvitationRequestSchema, await ctx.json(), 'the invitation');
      sendJson(ctx.res, 201, await ctx.app.workspaces.createInvitation(principal, ws, input.role, input.expiresInHours, input.email));
    },
  },
  {
    method: 'GET',
    path: '/v1/workspaces/:ws/invitations',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      sendJson(ctx.res, 200, { invitations: await ctx.app.workspaces.listInvitations(await ctx.principal(), ws) });
    },
  },
  {
    method: 'DELETE',
    path: '/v1/workspaces/:ws/invitations/:id',
    async handle(ctx) {
      const ws = ctx.workspaceId();
      await ctx.app.workspaces.revokeInvitation(await ctx.principal(), ws, checkedUuid(ctx.params.id, 'invitation id'));
      sendEmpty(ctx.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/v1/invitations/accept',
    async handle(ctx) {
      const principal = await ctx.principal();
      const input = parseWith(acceptInvitationRequestSchema, await ctx.json(), 'the invitation');
      sendJson(ctx.res, 200, await ctx.app.workspaces.accept(principal, input.code));
    },
  },
];
