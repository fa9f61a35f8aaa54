import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CairnError } from '@cairn/core/domain';

export const signUpModes = ['open', 'invite', 'closed'] as const;
export type SignUpMode = (typeof signUpModes)[number];

/** Everything the server reads from flags and the environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** `postgres://…`: run on Postgres through a pool. Undefined: embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** A schema to work in (default: the connection's search_path). */
  readonly dbSchema: string | undefined;
  readonly dbPoolSize: number;
  /** Prefixes NOTIFY channels and advisory lock keys, so servers sharing one database (tests) stay apart. */
  readonly namespace: string;
  /** How clients reach this server (links in e-mails). */
  readonly publicUrl: string | undefined;
  readonly signUp: SignUpMode;
  readonly tokenTtlDays: number;
  readonly maxBodyBytes: number;
  readonly maxBlobBytes: number;
  readonly maxClockSkewMs: number;
  /** Requests per second per token (a burst of twice that); 0 turns the limit off. */
  readonly rateLimitPerSecond: number;
  readonly wsMaxFrameBytes: number;
  readonly wsFramesPerSecond: number;
  readonly heartbeatMs: number;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly digestIntervalMinutes: number;
  readonly allowPrivateWebhooks: boolean;
  readonly trustProxy: boolean;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  /** How long an instance trusts what it cached about a token or a membership (changes also evict at once). */
  readonly authCacheMs: number;
}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly kind: 'string' | 'int' | 'bool';
  readonly help: string;
  readonly default?: string;
  readonly choices?: readonly string[];
}

/** Every setting, as `--help` lists them: a flag, or its environment variable. */
export const settings = {
  port: { flag: 'port', env: 'PORT', kind: 'int', default: '8787', help: 'port to listen on' },
  host: { flag: 'host', env: 'HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 behind a proxy or in a container)' },
  databaseUrl: { flag: 'database-url', env: 'DATABASE_URL', kind: 'string', help: 'Postgres connection URL; without it, an embedded PGlite database in --data' },
  dataDir: { flag: 'data', env: 'CAIRN_SYNC_DATA', kind: 'string', help: 'folder of the embedded database (default ~/.local/share/cairn-sync-server)' },
  dbSchema: { flag: 'db-schema', env: 'CAIRN_DB_SCHEMA', kind: 'string', help: "Postgres schema to use (default: the connection's search_path)" },
  dbPoolSize: { flag: 'db-pool', env: 'CAIRN_DB_POOL', kind: 'int', default: '10', help: 'Postgres connections per instance' },
  namespace: { flag: 'namespace', env: 'CAIRN_NAMESPACE', kind: 'string', help: 'prefix of NOTIFY channels and advisory locks (default: the schema, else "cairn")' },
  publicUrl: { flag: 'public-url', env: 'CAIRN_PUBLIC_URL', kind: 'string', help: 'the URL clients use to reach the server (in e-mails)' },
  signUp: { flag: 'signup', env: 'CAIRN_SIGNUP', kind: 'string', default: 'invite', choices: signUpModes, help: 'who may create an account: open, invite (with an invitation code) or closed (admins only)' },
  tokenTtlDays: { flag: 'token-ttl-days', env: 'CAIRN_TOKEN_TTL_DAYS', kind: 'int', default: '90', help: 'how long a device token is valid' },
  maxBodyBytes: { flag: 'max-body-bytes', env: 'CAIRN_MAX_BODY_BYTES', kind: 'int', default: String(64 * 1024 * 1024), help: 'largest JSON request body (a push)' },
  maxBlobBytes: { flag: 'max-blob-bytes', env: 'CAIRN_MAX_BLOB_BYTES', kind: 'int', default: String(512 * 1024 * 1024), help: 'largest blob (document original or text)' },
  maxClockSkewMs: { flag: 'max-clock-skew-ms', env: 'CAIRN_MAX_CLOCK_SKEW_MS', kind: 'int', default: String(5 * 60_000), help: "how far ahead of the server's clock an event's clock may be" },
  rateLimitPerSecond: { flag: 'rate-limit', env: 'CAIRN_RATE_LIMIT', kind: 'int', default: '100', help: 'requests per second per token (bursts of twice that; 0: no limit)' },
  wsMaxFrameBytes: { flag: 'ws-max-frame-bytes', env: 'CAIRN_WS_MAX_FRAME_BYTES', kind: 'int', default: '4096', help: 'largest frame a live socket may send' },
  wsFramesPerSecond: { flag: 'ws-frames-per-second', env: 'CAIRN_WS_FRAMES_PER_SECOND', kind: 'int', default: '10', help: 'frames per second a live socket may send' },
  heartbeatMs: { flag: 'heartbeat-ms', env: 'CAIRN_HEARTBEAT_MS', kind: 'int', default: '30000', help: 'live socket ping interval (a socket that misses one is closed)' },
  smtpUrl: { flag: 'smtp-url', env: 'CAIRN_SMTP_URL', kind: 'string', help: 'smtp[s]://user:pass@host:port to send invitations and digests' },
  mailFrom: { flag: 'mail-from', env: 'CAIRN_MAIL_FROM', kind: 'string', default: 'Cairn <cairn@localhost>', help: 'sender of e-mails' },
  digestIntervalMinutes: { flag: 'digest-interval-minutes', env: 'CAIRN_DIGEST_INTERVAL_MINUTES', kind: 'int', default: '1440', help: "how often members get a digest of teammates' changes (0: never)" },
  allowPrivateWebhooks: { flag: 'allow-private-webhooks', env: 'CAIRN_ALLOW_PRIVATE_WEBHOOKS', kind: 'bool', help: 'allow webhook targets on private or loopback addresses' },
  trustProxy: { flag: 'trust-proxy', env: 'CAIRN_TRUST_PROXY', kind: 'bool', help: "take the client's address from X-Forwarded-For (behind a TLS proxy)" },
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL', kind: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'log level (JSON logs on stdout)' },
  shutdownTimeoutMs: { flag: 'shutdown-timeout-ms', env: 'CAIRN_SHUTDOWN_TIMEOUT_MS', kind: 'int', default: '10000', help: 'how long to finish in-flight requests on SIGTERM' },
  authCacheMs: { flag: 'auth-cache-ms', env: 'CAIRN_AUTH_CACHE_MS', kind: 'int', default: '1000', help: 'how long an instance caches a token check (revocations evict at once)' },
} as const satisfies Record<keyof ServerConfig, Setting>;

export function defaultDataDir(): string {
  const base = process.platform === 'win32' ? (process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming')) : process.platform === 'darwin' ? join(homedir(), 'Library', 'Application Support') : (process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'));
  return join(base, 'cairn-sync-server');
}

/** Reads the settings: a flag wins over its environment variable, which wins over the default. */
export function loadConfig(flags: Readonly<Record<string, string | boolean | undefined>>, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [keyof ServerConfig, Setting][]) {
    const raw = flags[setting.flag] ?? env[setting.env] ?? setting.default;
    values[key] = parseSetting(setting, raw);
  }
  const config = values as unknown as ServerConfig & { namespace: string | undefined; dataDir: string | undefined };
  return {
    ...config,
    dataDir: resolve(config.dataDir ?? defaultDataDir()),
    namespace: config.namespace ?? config.dbSchema ?? 'cairn',
  };
}

function parseSetting(setting: Setting, raw: string | boolean | undefined): unknown {
  const name = `--${setting.flag} (${setting.env})`;
  if (setting.kind === 'bool') {
    if (raw === undefined || raw === false) return false;
    if (raw === true || raw === '1' || raw === 'true' || raw === 'yes') return true;
    if (raw === '0' || raw === 'false' || raw === 'no' || raw === '') return false;
    throw new CairnError('validation', `${name} must be true or false, not ${JSON.stringify(raw)}`);
  }
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'boolean') throw new CairnError('validation', `${name} needs a value`);
  if (setting.kind === 'int') {
    if (!/^\d{1,15}$/.test(raw)) throw new CairnError('validation', `${name} must be a whole number, not ${JSON.stringify(raw)}`);
    const value = Number(raw);
    if (setting.flag === 'port' && value > 65_535) throw new CairnError('validation', `${name} must be a port number (0–65535; 0 picks a free one)`);
    return value;
  }
  if (setting.choices && !setting.choices.includes(raw)) throw new CairnError('validation', `${name} must be one of ${setting.choices.join(', ')}, not ${JSON.stringify(raw)}`);
  if (setting.flag === 'db-schema' || setting.flag === 'namespace') {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new CairnError('validation', `${name} must be a lower-case identifier (letters, digits, underscores)`);
  }
  if (setting.flag === 'database-url' && !/^postgres(ql)?:\/\//.test(raw)) throw new CairnError('validation', `${name} must be a postgres:// URL`);
  return raw;
}

/** The settings as `--help` prints them. */
export function settingsHelp(): string {
  return Object.values(settings)
    .map((s: Setting) => `  --${s.flag}${s.kind === 'bool' ? '' : ' VALUE'}`.padEnd(34) + `${s.help}${s.default !== undefined ? ` [${s.default}]` : ''}\n${''.padEnd(34)}env ${s.env}`)
    .join('\n');
}
