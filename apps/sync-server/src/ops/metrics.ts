import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, on a registry of its own (several servers can run in one test process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'cairn_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'cairn_http_request_duration_seconds',
    help: 'HTTP request latency by route and method',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly pushes = new Counter({ name: 'cairn_sync_pushes_total', help: 'push requests that stored or acknowledged events', registers: [this.registry] });
  readonly pulls = new Counter({ name: 'cairn_sync_pulls_total', help: 'pull requests served', registers: [this.registry] });
  readonly eventsStored = new Counter({ name: 'cairn_sync_events_stored_total', help: 'events stored (not counting acknowledged duplicates)', registers: [this.registry] });
  readonly eventsPulled = new Counter({ name: 'cairn_sync_events_pulled_total', help: 'events served by pulls', registers: [this.registry] });
  readonly sockets = new Gauge({ name: 'cairn_live_connections', help: 'open live WebSocket connections', registers: [this.registry] });
  readonly pokes = new Counter({ name: 'cairn_live_pokes_total', help: 'pokes sent to live sockets', registers: [this.registry] });
  readonly projectionLag = new Gauge({ name: 'cairn_projection_lag_events', help: 'events each read view has yet to fold, over all workspaces', labelNames: ['projection'], registers: [this.registry] });
  readonly pool = new Gauge({ name: 'cairn_db_pool_connections', help: 'database pool connections by state', labelNames: ['state'], registers: [this.registry] });
  readonly webhookDeliveries = new Counter({ name: 'cairn_webhook_deliveries_total', help: 'webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly webhookFailures = new Counter({ name: 'cairn_webhook_failures_total', help: 'webhook deliveries that failed (retried or dead-lettered)', registers: [this.registry] });
  readonly emails = new Counter({ name: 'cairn_emails_total', help: 'e-mails sent by kind and outcome', labelNames: ['kind', 'outcome'], registers: [this.registry] });

  private readonly requestChildren = new Map<string, { count: { inc(): void }; time: { observe(seconds: number): void } }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cairn_' });
  }

  /** Counts a request and its latency; the labelled children are kept, so a request does not hash its labels. */
  countRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method} ${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = { count: this.requests.labels(route, method, String(status)), time: this.latency.labels(route, method) };
      this.requestChildren.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
  }
}
