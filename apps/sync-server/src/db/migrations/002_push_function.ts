/**
 * 2: a push as one statement. The transaction of a push holds its workspace's head row lock from the head bump to
 * the commit; run from the server, the bump, the inserts and the commit were three round trips under that lock. As
 * one function call in its own transaction they are none, so pushes to a workspace queue for microseconds, not
 * milliseconds. Each event's pull form is written here, once. The events travel as one JSON text (written by the server, parsed by Postgres) rather than as text
arrays, which the driver would escape element by element. Returns `{conflict: index}` (an id stored with other content), `{forbidden: true}` (not an editor
 * now), or `{head, epoch, stored: {eventId: seq}}` for the events stored before.
 */
export const migration002 = {
  version: 2,
  name: 'push function',
  sql: `
-- p_events: a JSON array of [eventId, aggregateId, type, sha256 hex, event]; each event's text is stored as it is.
CREATE FUNCTION cairn_push(
  p_ws text, p_user uuid, p_token uuid, p_device uuid, p_at timestamptz, p_events json, p_refs text[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p_ids uuid[];
  p_aggregates uuid[];
  p_types text[];
  p_hashes text[];
  p_bodies text[];
  v_stored jsonb;
  v_conflict bigint;
  v_count integer;
  v_new integer;
  v_head bigint;
  v_epoch uuid;
  v_at text := to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
BEGIN
  SELECT array_agg((j->>0)::uuid ORDER BY o), array_agg((j->>1)::uuid ORDER BY o), array_agg(j->>2 ORDER BY o), array_agg(j->>3 ORDER BY o), array_agg((j->4)::text ORDER BY o)
    INTO p_ids, p_aggregates, p_types, p_hashes, p_bodies
    FROM json_array_elements(p_events) WITH ORDINALITY AS t(j, o);
  SELECT coalesce(jsonb_object_agg(e.event_id, e.seq), '{}'::jsonb), count(*), min(CASE WHEN e.content_hash <> decode(x.hash, 'hex') THEN x.ord END)
    INTO v_stored, v_count, v_conflict
    FROM unnest(p_ids, p_hashes) WITH ORDINALITY AS x(id, hash, ord)
    JOIN events e ON e.workspace_id = p_ws AND e.event_id = x.id;
  IF v_conflict IS NOT NULL THEN
    RETURN jsonb_build_object('conflict', v_conflict - 1);
  END IF;
  v_new := cardinality(p_ids) - v_count;
  IF v_new = 0 THEN
    SELECT h.head, w.epoch INTO v_head, v_epoch FROM workspace_heads h JOIN workspaces w ON w.id = h.workspace_id WHERE h.workspace_id = p_ws;
    RETURN jsonb_build_object('head', v_head, 'epoch', v_epoch, 'stored', v_stored);
  END IF;
  IF cardinality(p_refs) > 0 THEN
    INSERT INTO blob_refs (workspace_id, sha256) SELECT p_ws, r FROM unnest(p_refs) AS r ON CONFLICT DO NOTHING;
  END IF;
  -- The very end: the head row's lock orders this push's commit before any later push to the workspace.
  UPDATE workspace_heads h SET head = h.head + v_new FROM workspaces w, memberships m
    WHERE h.workspace_id = p_ws AND w.id = h.workspace_id AND m.workspace_id = h.workspace_id AND m.user_id = p_user AND m.role <> 'viewer'
    RETURNING h.head, w.epoch INTO v_head, v_epoch;
  IF v_head IS NULL THEN
    RETURN jsonb_build_object('forbidden', true);
  END IF;
  INSERT INTO events (workspace_id, seq, event_id, aggregate_id, type, content_hash, entry, user_id, token_id, device_id, received_at)
    SELECT p_ws, n.seq, n.id, n.aggregate, n.type, decode(n.hash, 'hex'),
      '{"seq":' || n.seq || ',"receivedAt":"' || v_at || '","pushedBy":{"userId":"' || p_user || '","deviceId":"' || p_device || '"},"event":' || n.body || '}',
      p_user, p_token, p_device, p_at
    FROM (SELECT x.*, v_head - v_new + row_number() OVER (ORDER BY x.ord) AS seq
          FROM unnest(p_ids, p_aggregates, p_types, p_hashes, p_bodies) WITH ORDINALITY AS x(id, aggregate, type, hash, body, ord)
          WHERE NOT v_stored ? x.id::text) AS n;
  RETURN jsonb_build_object('head', v_head, 'epoch', v_epoch, 'stored', v_stored);
END;
$$;
`,
} as const;
