/**
 * Public shapes of the test support library. Kept apart from the implementation so that
 * registry.ts, http.ts and images.ts can share them without importing each other in a circle.
 */

export type TlsMode = 'none' | 'tls' | 'mtls';
export type AuthMode = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  /** Fixed port (the demo uses 15000/15001); default: a free port. */
  port?: number;
  /** Default 'none' (plain HTTP). */
  tls?: TlsMode;
  /** Default 'none'. */
  auth?: AuthMode;
  /** user → password, for htpasswd and token. Default for those modes: { tester: 'tester-pw' }. */
  users?: Record<string, string>;
  /** Enable distribution's access log so tests can count requests (e.g. manifest PUTs). */
  accessLog?: boolean;
  /**
   * Send the registry's push/pull notifications (`notifications.endpoints`) to these URLs, with
   * `Authorization: Bearer <token>` when a token is given. Blob events are left out.
   */
  notify?: Array<{ url: string; token?: string }>;
  /** Token auth: what each user may do (default: anything), by repository pattern. */
  grants?: Record<string, Array<[RegExp, string[]]>>;
  /** Token auth: the realm's scheme (default http); https uses the registry's test CA. */
  tokenRealm?: 'http' | 'https';
}

/** What one request to a test token server carried. */
export interface TokenRequestSeen {
  user: string | undefined;
  authenticated: boolean;
  clientCertificate: boolean;
  scopes: string[];
}

export interface TestRegistry {
  /** '127.0.0.1:PORT' */
  host: string;
  port: number;
  tls: TlsMode;
  auth: AuthMode;
  users: Record<string, string>;
  /**
   * TLS only: a directory holding '127.0.0.1/' with 'ca.crt' (and for mtls 'client.cert' +
   * 'client.key'), laid out as skopeo's --cert-dir wants it (every *.crt is a CA;
   * NAME.cert + NAME.key is a client pair).
   */
  certsDir?: string;
  dataDir: string;
  /** The registry process (benchmarks read its CPU time from /proc). */
  pid: number | undefined;
  /** Lines of the registry's access log so far ('' when accessLog is off). */
  accessLog(): Promise<string>;
  /** Number of `PUT /v2/.../manifests/...` requests seen in the access log so far (needs accessLog). */
  manifestPuts(): Promise<number>;
  /** Token auth: every request the token server answered, in order ([] otherwise). */
  tokenRequests(): TokenRequestSeen[];
  /** Kills the process (and the token server), removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface PushImageOptions {
  /** More than one → an index / manifest list under the tag. */
  platforms?: Platform[];
  /** Default 'oci': OCI manifest/index; 'docker': Docker v2 schema 2 manifest / manifest list. */
  format?: 'oci' | 'docker';
  /** Goes into the config so digests differ; default: unique per call. */
  label?: string;
}

export interface PushedImage {
  /** Digest of what the tag points to (the index for multi-platform). */
  digest: string;
  mediaType: string;
  /** 'os/arch' or 'os/arch/variant' → child manifest digest (multi-platform only; {} otherwise). */
  childDigests: Record<string, string>;
}
