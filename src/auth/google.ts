/**
 * OAuth2 access tokens for Google registries (GCR `gcr.io`, `*.gcr.io`; Artifact Registry
 * `*-docker.pkg.dev`) from Google application default credentials, as dregsy's GCR refresher
 * (reference §A.7): a service account key named by `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's
 * application-default login, or the GCE/GKE metadata server (`GCE_METADATA_HOST` moves it).
 * The registry takes the token as the password of the user `oauth2accesstoken`.
 *
 * google-auth-library keeps the token and fetches a new one shortly before it expires, so
 * asking on every task run costs nothing until then.
 */
import { GoogleAuth } from 'google-auth-library';
import type { Credentials } from './credentials.js';

export const GOOGLE_TOKEN_USER = 'oauth2accesstoken';
/** Covers Artifact Registry as well as GCR (dregsy asked for devstorage.read_write, which is GCR only). */
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

export interface GoogleTokens {
  credentials(): Promise<Credentials>;
}

export function createGoogleTokens(): GoogleTokens {
  // Created on first use: looking for credentials may probe the metadata server.
  let auth: GoogleAuth | undefined;
  return {
    async credentials() {
      // A project id is not needed for registry tokens; naming one stops the library from
      // looking for it (it would run `gcloud config config-helper` and ask the metadata server).
      auth ??= new GoogleAuth({ scopes: SCOPES, projectId: 'dregsy-registry-token' });
      let token: string | null | undefined;
      try {
        const client = await auth.getClient();
        token = (await client.getAccessToken()).token;
      } catch (e) {
        throw new Error(describeFailure(e));
      }
      if (!token) throw new Error('Google application default credentials returned no access token');
      return { username: GOOGLE_TOKEN_USER, password: token };
    },
  };
}

function describeFailure(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // dregsy's message for the usual case: no key file and not on GCE
  if (/Could not load the default credentials/i.test(text)) {
    return "neither GOOGLE_APPLICATION_CREDENTIALS set, nor a GCE instance (set 'auth', or 'auth: none' for anonymous access)";
  }
  return `cannot get a Google access token: ${text}`;
}
