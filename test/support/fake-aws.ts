/**
 * A stand-in for the AWS ECR and ECR Public APIs on 127.0.0.1, speaking their real wire
 * protocol (awsJson1_1: `POST /`, `X-Amz-Target: <service>.<Action>`, JSON in and out, errors
 * as `{"__type": "...Exception"}` with status 400), for the calls dregsy makes:
 * - ECR (`AmazonEC2ContainerRegistry_V20150921`): GetAuthorizationToken, DescribeRepositories
 *   (by name, or all, paged with nextToken), CreateRepository, DescribeImages (paged; what a
 *   repository holds comes from `images`, e.g. read from the real registry behind the name);
 * - ECR Public (`SpencerFrontendService`): the same three.
 * The real AWS SDK reaches it through `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL_ECR_PUBLIC`.
 * Tokens are base64 of `AWS:<password>`, the password a test registry's htpasswd accepts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const PRIVATE_TARGET = 'AmazonEC2ContainerRegistry_V20150921';
const PUBLIC_TARGET = 'SpencerFrontendService';

export interface AwsCall {
  service: 'ecr' | 'ecr-public';
  action: string;
  body: Record<string, unknown>;
  /** The SigV4 Authorization header's access key id (proves the SDK signed with the env keys). */
  accessKeyId: string | undefined;
  region: string | undefined;
}

export interface FakeAwsOptions {
  /** The password inside the tokens handed out (user is always `AWS`). */
  password: string;
  /** Lifetime of a token; default 12 h as ECR's. */
  expiresInSeconds?: number;
  /** Repositories that exist, by AWS account id (public: names without the alias). */
  repositories?: Record<string, string[]>;
  publicRepositories?: Record<string, string[]>;
  /** The public registry alias, for repository URIs. */
  publicAlias?: string;
  /** DescribeRepositories page size when listing (the SDK asks for 100; small pages prove paging). */
  pageSize?: number;
  /**
   * DescribeImages: the images of a repository (tags and manifest digest), typically read from
   * the real registry the test routes the ECR host to; without it, every repository is empty.
   */
  images?: (account: string, repositoryName: string) => Promise<Array<{ digest: string; tags: string[]; mediaType: string }>>;
  /** The account of the signed-in caller: where requests without a registryId go. */
  callerAccount?: string;
}

export interface FakeAws {
  /** `http://127.0.0.1:PORT` */
  url: string;
  calls: AwsCall[];
  /** What the next tokens hold, and how long they last. */
  setPassword(password: string, expiresInSeconds?: number): void;
  /** Repositories created through CreateRepository, as `ecr:<account>/<name>` / `ecr-public:<account>/<name>`. */
  created: string[];
  stop(): Promise<void>;
}

export async function startFakeAws(opts: FakeAwsOptions): Promise<FakeAws> {
  let password = opts.password;
  let lifetime = opts.expiresInSeconds ?? 12 * 3600;
  // `<service>:<account>` → names
  const repos = new Map<string, Set<string>>();
  const seed = (service: AwsCall['service'], byAccount: Record<string, string[]> = {}) => {
    for (const [account, names] of Object.entries(byAccount)) repos.set(`${service}:${account}`, new Set(names));
  };
  seed('ecr', opts.repositories);
  seed('ecr-public', opts.publicRepositories);
  const reposOf = (service: AwsCall['service'], account: string) => {
    let set = repos.get(`${service}:${account}`);
    if (!set) repos.set(`${service}:${account}`, (set = new Set()));
    return set;
  };
  const calls: AwsCall[] = [];
  const created: string[] = [];
  const alias = opts.publicAlias ?? 'dregsy-test';
  const pageSize = opts.pageSize ?? 100;

  function repository(service: AwsCall['service'], name: string, account: string, region: string) {
    const host = service === 'ecr' ? `${account}.dkr.ecr.${region}.amazonaws.com` : `public.ecr.aws/${alias}`;
    return {
      repositoryArn: `arn:aws:${service}:${region}:${account}:repository/${name}`,
      registryId: account,
      repositoryName: name,
      repositoryUri: `${host}/${name}`,
      createdAt: 1_700_000_000,
    };
  }

  async function describeImages(call: AwsCall, account: string, known: Set<string>): Promise<[number, unknown]> {
    const name = String(call.body.repositoryName ?? '');
    if (!known.has(name)) return [400, { __type: 'RepositoryNotFoundException', message: `The repository with name '${name}' does not exist in the registry with id '${account}'` }];
    const tagged = ((await opts.images?.(account, name)) ?? []).filter((i) => i.tags.length > 0 || (call.body.filter as { tagStatus?: string } | undefined)?.tagStatus !== 'TAGGED');
    const start = Number(call.body.nextToken ?? 0);
    const page = tagged.slice(start, start + Math.min(pageSize, Number(call.body.maxResults ?? 100)));
    const next = start + page.length < tagged.length ? String(start + page.length) : undefined;
    const imageDetails = page.map((i) => ({ registryId: account, repositoryName: name, imageDigest: i.digest, imageTags: i.tags, imageManifestMediaType: i.mediaType, imagePushedAt: 1_700_000_000 }));
    return [200, { imageDetails, ...(next ? { nextToken: next } : {}) }];
  }

  function handle(call: AwsCall): [number, unknown] | Promise<[number, unknown]> {
    const account = typeof call.body.registryId === 'string' ? call.body.registryId : (opts.callerAccount ?? '000000000000');
    const region = call.region ?? 'us-east-1';
    const known = reposOf(call.service, account);
    switch (call.action) {
      case 'GetAuthorizationToken': {
        const data = { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt: Date.now() / 1000 + lifetime };
        return [200, { authorizationData: call.service === 'ecr' ? [{ ...data, proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com` }] : data }];
      }
      case 'DescribeRepositories': {
        const names = Array.isArray(call.body.repositoryNames) ? (call.body.repositoryNames as string[]) : undefined;
        if (names) {
          const missing = names.find((n) => !known.has(n));
          if (missing) return [400, { __type: 'RepositoryNotFoundException', message: `The repository with name '${missing}' does not exist in the registry with id '${account}'` }];
          return [200, { repositories: names.map((n) => repository(call.service, n, account, region)) }];
        }
        const all = [...known].sort();
        const start = Number(call.body.nextToken ?? 0);
        const page = all.slice(start, start + Math.min(pageSize, Number(call.body.maxResults ?? 100)));
        const next = start + page.length < all.length ? String(start + page.length) : undefined;
        return [200, { repositories: page.map((n) => repository(call.service, n, account, region)), ...(next ? { nextToken: next } : {}) }];
      }
      case 'DescribeImages':
        return describeImages(call, account, known);
      case 'CreateRepository': {
        const name = String(call.body.repositoryName ?? '');
        if (known.has(name)) return [400, { __type: 'RepositoryAlreadyExistsException', message: `The repository with name '${name}' already exists` }];
        known.add(name);
        created.push(`${call.service}:${account}/${name}`);
        return [200, { repository: repository(call.service, name, account, region) }];
      }
      default:
        return [400, { __type: 'UnknownOperationException', message: `not faked: ${call.action}` }];
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, action = ''] = target.split('.');
      const service = prefix === PRIVATE_TARGET ? 'ecr' : prefix === PUBLIC_TARGET ? 'ecr-public' : undefined;
      // `Credential=AKID/DATE/REGION/SERVICE/aws4_request`
      const credential = /Credential=([^/]+)\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${calls.length}` });
        res.end(JSON.stringify(value));
      };
      if (req.method !== 'POST' || !service) return reply(400, { __type: 'UnknownOperationException', message: `unexpected ${req.method} ${target}` });
      let body: Record<string, unknown>;
      try {
        body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      } catch {
        return reply(400, { __type: 'SerializationException', message: 'not JSON' });
      }
      const call: AwsCall = { service, action, body, accessKeyId: credential?.[1], region: credential?.[2] };
      calls.push(call);
      void Promise.resolve(handle(call)).then(
        ([status, value]) => reply(status, value),
        (e: unknown) => reply(500, { __type: 'ServerException', message: String(e) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    created,
    setPassword(pw, expiresInSeconds) {
      password = pw;
      if (expiresInSeconds !== undefined) lifetime = expiresInSeconds;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Dummy keys the SDK signs with (the fake records the key id; nothing checks the signature). */
export const FAKE_AWS_KEY_ID = 'AKIDDREGSYTEST000001';

/**
 * Environment for a process whose AWS SDK should talk to `fake`: the standard service
 * endpoint variables, dummy keys, and no shared config or instance metadata from the host.
 */
export function fakeAwsEnv(fake: FakeAws, home: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ECR: fake.url,
    AWS_ENDPOINT_URL_ECR_PUBLIC: fake.url,
    AWS_ACCESS_KEY_ID: FAKE_AWS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: 'dregsy-test-secret-access-key',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: `${home}/no-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/no-aws-credentials`,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
