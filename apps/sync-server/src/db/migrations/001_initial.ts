/** 1: accounts, workspaces, the event log, blobs, read views, notifications, webhooks. Never edit a shipped migration: add one. */
export const migration001 = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE server_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  email text,
  password_hash text NOT NULL,
  server_admin boolean NOT NULL DEFAULT false,
  digest boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE UNIQUE INDEX users_by_email ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  device_id uuid NOT NULL,
  name text NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX tokens_by_user ON tokens (user_id, device_id);

CREATE TABLE signin_failures (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  failures integer NOT NULL,
  blocked_until timestamptz
);

CREATE TABLE setup_codes (code_hash bytea PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE workspaces (
  id text PRIMARY KEY,
  name text NOT NULL,
  epoch uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES users (id)
);

-- The head row: bumped under its row lock at the very end of each push transaction, which makes every
-- workspace's sequence gap-free and commit-ordered.
CREATE TABLE workspace_heads (
  workspace_id text PRIMARY KEY REFERENCES workspaces (id),
  head bigint NOT NULL DEFAULT 0,
  audit_head bigint NOT NULL DEFAULT 0
);

CREATE TABLE memberships (
  workspace_id text NOT NULL REFERENCES workspaces (id),
  user_id uuid NOT NULL REFERENCES users (id),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE invitations (
  id uuid PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  code_hash bytea NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
  email text,
  created_by uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by uuid REFERENCES users (id)
);

-- What happened to a workspace's membership, in order: the members view and membership notifications fold it.
CREATE TABLE audit_log (
  workspace_id text NOT NULL REFERENCES workspaces (id),
  seq bigint NOT NULL,
  kind text NOT NULL,
  subject_user uuid NOT NULL,
  role text,
  actor_user uuid,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, seq)
);

-- The log: each event exactly as pushed (canonical JSON), with who pushed it and when it arrived. \`entry\` is what a
-- pull serves for it, written once at push: {"seq", "receivedAt", "pushedBy", "event": <the stored text>}.
CREATE TABLE events (
  workspace_id text NOT NULL REFERENCES workspaces (id),
  seq bigint NOT NULL,
  event_id uuid NOT NULL,
  aggregate_id uuid NOT NULL,
  type text NOT NULL,
  content_hash bytea NOT NULL,
  entry text NOT NULL,
  user_id uuid NOT NULL,
  token_id uuid NOT NULL,
  device_id uuid NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, seq),
  UNIQUE (workspace_id, event_id)
);
CREATE INDEX events_by_entry ON events (workspace_id, aggregate_id, seq);

-- Blobs: content-addressed, in the database so every instance sees them. Bytes live in chunks under a storage id.
CREATE TABLE blobs (
  sha256 text PRIMARY KEY,
  storage_id uuid NOT NULL,
  size bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE blob_chunks (
  storage_id uuid NOT NULL,
  idx integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (storage_id, idx)
);
CREATE TABLE blob_uploads (storage_id uuid PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now());
-- A blob a workspace member uploaded (proved to have): with a reference from the log, the workspace may read it.
CREATE TABLE workspace_blobs (
  workspace_id text NOT NULL REFERENCES workspaces (id),
  sha256 text NOT NULL REFERENCES blobs (sha256),
  uploaded_by uuid NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, sha256)
);
CREATE TABLE blob_refs (workspace_id text NOT NULL, sha256 text NOT NULL, PRIMARY KEY (workspace_id, sha256));

CREATE TABLE projection_checkpoints (
  projection text NOT NULL,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  position bigint NOT NULL,
  audit_position bigint NOT NULL DEFAULT 0,
  -- Events and audit entries up to these were folded by a rebuild: they raise no notifications again.
  quiet_until bigint NOT NULL DEFAULT 0,
  quiet_audit_until bigint NOT NULL DEFAULT 0,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, workspace_id)
);

CREATE TABLE view_entries (
  workspace_id text NOT NULL,
  entry_id uuid NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  tags text[] NOT NULL,
  deleted boolean NOT NULL,
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  created_by_user uuid NOT NULL,
  created_by_device uuid NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by_user uuid NOT NULL,
  updated_by_device uuid NOT NULL,
  seq bigint NOT NULL,
  -- core's MergeState (without the body) as canonical JSON: what the next event of the entry folds into.
  merge_state text NOT NULL,
  PRIMARY KEY (workspace_id, entry_id)
);
CREATE INDEX view_entries_by_seq ON view_entries (workspace_id, seq DESC);
CREATE INDEX view_entries_by_tag ON view_entries USING gin (tags);

CREATE TABLE view_documents (
  workspace_id text NOT NULL,
  entry_id uuid NOT NULL,
  title text NOT NULL,
  file_name text NOT NULL,
  mime_type text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  status text NOT NULL,
  error_code text,
  error_reason text,
  text_sha256 text,
  page_count integer,
  ocr_used boolean,
  language text,
  deleted boolean NOT NULL,
  updated_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (workspace_id, entry_id)
);
CREATE INDEX view_documents_by_seq ON view_documents (workspace_id, seq DESC);

CREATE TABLE view_activity (
  workspace_id text NOT NULL,
  seq bigint NOT NULL,
  entry_id uuid NOT NULL,
  event_type text NOT NULL,
  title text NOT NULL,
  fields text[] NOT NULL,
  user_id uuid NOT NULL,
  device_id uuid NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, seq)
);

CREATE TABLE view_members (
  workspace_id text NOT NULL,
  user_id uuid NOT NULL,
  role text,
  joined_at timestamptz NOT NULL,
  removed_at timestamptz,
  events bigint NOT NULL,
  last_push_at timestamptz,
  devices uuid[] NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);

-- Notifications the projections derived (live sockets, webhooks and e-mail digests read them).
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  workspace_id text NOT NULL,
  kind text NOT NULL,
  entry_id uuid,
  title text,
  by_user uuid,
  by_device uuid,
  details jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_by_workspace ON notifications (workspace_id, created_at);

CREATE TABLE webhooks (
  id uuid PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  url text NOT NULL,
  events text[] NOT NULL,
  description text,
  secret text NOT NULL,
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  webhook_id uuid NOT NULL REFERENCES webhooks (id),
  workspace_id text NOT NULL,
  kind text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  leased_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, status, created_at);

CREATE TABLE digests (user_id uuid PRIMARY KEY REFERENCES users (id), last_sent_at timestamptz NOT NULL);
`,
} as const;
