/**
 * The AWS calls dregsy makes for ECR (reference §A.4, §A.7), through the AWS SDK (the only
 * importers of it are the auth/ecr* modules). AWS credentials, region and endpoint come from
 * the SDK's default chains: environment (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, ...), shared
 * config, web identity, container and instance roles; `AWS_ENDPOINT_URL_ECR` /
 * `AWS_ENDPOINT_URL_ECR_PUBLIC` move the API elsewhere (tests point them at a local server).
 */
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import {
  CreateRepositoryCommand as PublicCreateRepositoryCommand,
  DescribeRepositoriesCommand as PublicDescribeRepositoriesCommand,
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as PublicGetAuthorizationTokenCommand,
  RepositoryNotFoundException as PublicRepositoryNotFoundException,
} from '@aws-sdk/client-ecr-public';
import type { ManifestHead, RepoListing } from '../registry/types.js';
import type { Credentials } from './credentials.js';

/** An ECR registry as its host names it (config/registry-host.ts `ecrInfo`). */
export interface EcrRegistry {
  public: boolean;
  /** AWS account id; '' when not given (public ECR without prefix): the caller's own registry. */
  account: string;
  /** '' for public ECR without a region: its API lives in us-east-1. */
  region: string;
}

export interface EcrToken {
  credentials: Credentials;
  /** When AWS says the token expires (ms since the epoch), if it says. */
  expiresAt: number | undefined;
}

export interface EcrApi {
  getToken(registry: EcrRegistry, signal?: AbortSignal): Promise<EcrToken>;
  /** DescribeRepositories, then CreateRepository when AWS says it is not there. */
  ensureRepository(registry: EcrRegistry, name: string, signal?: AbortSignal): Promise<'exists' | 'created'>;
  /** Repository paths, DescribeRepositories paged 100 at a time, until at least `maxItems`. */
  listRepositories(registry: EcrRegistry, maxItems: number, signal?: AbortSignal): Promise<RepoListing>;
  /**
   * Tag → manifest digest and media type of every tagged image of a private ECR repository
   * (DescribeImages, pages of 1000): a few calls instead of one HEAD per tag. Empty when the
   * repository does not exist.
   */
  tagDigests(registry: EcrRegistry, name: string, signal?: AbortSignal): Promise<Map<string, ManifestHead>>;
  /** Closes the SDK clients' connections. */
  close(): void;
}

/** ECR Public's API is served from us-east-1 only. */
const PUBLIC_API_REGION = 'us-east-1';
const PAGE_SIZE = 100;
/** DescribeImages' largest page. */
const IMAGES_PAGE_SIZE = 1000;
const HTTP = { connectionTimeout: 10_000, requestTimeout: 60_000 };

export function createEcrApi(): EcrApi {
  // One client per region, made on first use: creating one reads the AWS config files.
  const privateClients = new Map<string, ECRClient>();
  const publicClients = new Map<string, ECRPUBLICClient>();
  const privateClient = (region: string) => clientFor(privateClients, region, () => new ECRClient({ region, requestHandler: HTTP }));
  const publicClient = (region: string) =>
    clientFor(publicClients, region || PUBLIC_API_REGION, () => new ECRPUBLICClient({ region: region || PUBLIC_API_REGION, requestHandler: HTTP }));
  const registryId = (r: EcrRegistry) => (r.account ? { registryId: r.account } : {});

  return {
    async getToken(r, signal) {
      const opts = signal ? { abortSignal: signal } : {};
      const data = r.public
        ? (await publicClient(r.region).send(new PublicGetAuthorizationTokenCommand({}), opts)).authorizationData
        : (await privateClient(r.region).send(new GetAuthorizationTokenCommand({}), opts)).authorizationData?.[0];
      if (!data?.authorizationToken) throw new Error('AWS returned no authorization token');
      return { credentials: decodeToken(data.authorizationToken), expiresAt: data.expiresAt?.getTime() };
    },

    async ensureRepository(r, name, signal) {
      const opts = signal ? { abortSignal: signal } : {};
      // Public ECR paths start with the registry alias, which is not part of the repository name.
      const repositoryName = r.public ? name.split('/').slice(1).join('/') : name;
      if (!repositoryName) throw new Error(`'${name}' names no repository under the public ECR alias`);
      const input = { ...registryId(r), repositoryNames: [repositoryName] };
      try {
        if (r.public) await publicClient(r.region).send(new PublicDescribeRepositoriesCommand(input), opts);
        else await privateClient(r.region).send(new DescribeRepositoriesCommand(input), opts);
        return 'exists';
      } catch (e) {
        if (!(e instanceof RepositoryNotFoundException || e instanceof PublicRepositoryNotFoundException)) throw e;
      }
      // ECR Public creates in the caller's own registry: its CreateRepository takes no registry id.
      if (r.public) await publicClient(r.region).send(new PublicCreateRepositoryCommand({ repositoryName }), opts);
      else await privateClient(r.region).send(new CreateRepositoryCommand({ ...registryId(r), repositoryName }), opts);
      return 'created';
    },

    async listRepositories(r, maxItems, signal) {
      const opts = signal ? { abortSignal: signal } : {};
      const names: string[] = [];
      let nextToken: string | undefined;
      // As dregsy's ECR lister: pages of 100 until one brings the count to maxItems; never cut.
      do {
        const input = { ...registryId(r), maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) };
        const page = r.public
          ? await publicClient(r.region).send(new PublicDescribeRepositoriesCommand(input), opts)
          : await privateClient(r.region).send(new DescribeRepositoriesCommand(input), opts);
        for (const repo of page.repositories ?? []) {
          const path = r.public ? publicPath(repo.repositoryUri, repo.repositoryName) : repo.repositoryName;
          if (path) names.push(path);
        }
        nextToken = page.nextToken;
      } while (nextToken && names.length < maxItems);
      return { names, truncated: nextToken !== undefined };
    },

    async tagDigests(r, name, signal) {
      const opts = signal ? { abortSignal: signal } : {};
      const digests = new Map<string, ManifestHead>();
      let nextToken: string | undefined;
      do {
        const input = { ...registryId(r), repositoryName: name, filter: { tagStatus: 'TAGGED' as const }, maxResults: IMAGES_PAGE_SIZE, ...(nextToken ? { nextToken } : {}) };
        let page;
        try {
          page = await privateClient(r.region).send(new DescribeImagesCommand(input), opts);
        } catch (e) {
          if (e instanceof RepositoryNotFoundException) return digests;
          throw e;
        }
        for (const image of page.imageDetails ?? []) {
          if (!image.imageDigest) continue;
          for (const tag of image.imageTags ?? []) digests.set(tag, { digest: image.imageDigest, mediaType: image.imageManifestMediaType ?? '' });
        }
        nextToken = page.nextToken;
      } while (nextToken);
      return digests;
    },

    close() {
      for (const c of [...privateClients.values(), ...publicClients.values()]) c.destroy();
      privateClients.clear();
      publicClients.clear();
    },
  };
}

function clientFor<C>(clients: Map<string, C>, region: string, make: () => C): C {
  let c = clients.get(region);
  if (!c) {
    c = make();
    clients.set(region, c);
  }
  return c;
}

/** ECR tokens are base64 of `AWS:<password>`; the message of a failure never holds the token. */
export function decodeToken(token: string): Credentials {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new Error('AWS returned an authorization token that is not base64 of user:password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** A public repository as images name it: `<alias>/<name>` from its URI `public.ecr.aws/<alias>/<name>`. */
function publicPath(uri: string | undefined, name: string | undefined): string | undefined {
  const slash = uri?.indexOf('/') ?? -1;
  return uri && slash > 0 ? uri.slice(slash + 1) : name;
}
