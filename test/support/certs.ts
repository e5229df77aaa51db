/**
 * Certificates for TLS, mutual TLS and token signing, made with the real openssl.
 *
 * Key generation is the slow part, so each set is generated once per process (the promise is
 * memoised in a closure) and every registry gets its own copy of the files. EC P-256 keys
 * keep TLS fast (Go and skopeo accept them); the token signer is RSA because the registry's
 * token auth is exercised with RS256, as Docker Hub-style token servers sign.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, runProgram } from './temp.js';

export interface TlsMaterial {
  /** CA that signed the server certificate; what clients must trust. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A separate CA for client certificates, so a mix-up of the two CAs fails loudly. */
  clientCaCert: string;
  clientCert: string;
  clientKey: string;
}

export interface SignerMaterial {
  cert: string;
  key: string;
}

// Extension sections selected with -extensions; -subj overrides the placeholder DN.
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[signer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** Memoises an async factory; a failure is not cached, so the next caller tries again. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= make().catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
    return cached;
  };
}

/** Runs `openssl req -x509` in `dir` making NAME.crt/NAME.key, optionally signed by CA NAME. */
async function makeCert(dir: string, name: string, opts: { subject: string; ext: string; key?: string[]; signedBy?: string }) {
  const args = ['req', '-x509', '-config', 'openssl.cnf', '-extensions', opts.ext, ...(opts.key ?? EC_KEY), '-noenc'];
  args.push('-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', opts.subject);
  if (opts.signedBy) args.push('-CA', `${opts.signedBy}.crt`, '-CAkey', `${opts.signedBy}.key`);
  await runProgram('openssl', args, { cwd: dir });
}

async function inScratchDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir('dregsy-test-certs-');
  try {
    await writeFile(join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CA + server cert (SANs IP:127.0.0.1, DNS:localhost) + client CA + client cert, once per process. */
export const tlsMaterial: () => Promise<TlsMaterial> = once(() =>
  inScratchDir(async (dir) => {
    await Promise.all([
      makeCert(dir, 'ca', { subject: '/CN=dregsy test server CA', ext: 'ca' }),
      makeCert(dir, 'clientca', { subject: '/CN=dregsy test client CA', ext: 'ca' }),
    ]);
    await Promise.all([
      makeCert(dir, 'server', { subject: '/CN=localhost', ext: 'server', signedBy: 'ca' }),
      makeCert(dir, 'client', { subject: '/CN=dregsy test client', ext: 'client', signedBy: 'clientca' }),
    ]);
    const read = (f: string) => readFile(join(dir, f), 'utf8');
    return {
      caCert: await read('ca.crt'),
      serverCert: await read('server.crt'),
      serverKey: await read('server.key'),
      clientCaCert: await read('clientca.crt'),
      clientCert: await read('client.crt'),
      clientKey: await read('client.key'),
    };
  }),
);

/** Self-signed RSA certificate and key that sign registry tokens, once per process. */
export const tokenSigner: () => Promise<SignerMaterial> = once(() =>
  inScratchDir(async (dir) => {
    await makeCert(dir, 'signer', { subject: '/CN=dregsy test token signer', ext: 'signer', key: ['-newkey', 'rsa:2048'] });
    return { cert: await readFile(join(dir, 'signer.crt'), 'utf8'), key: await readFile(join(dir, 'signer.key'), 'utf8') };
  }),
);

/**
 * Writes a registry's certs dir: `<dir>/127.0.0.1/ca.crt`, and for mutual TLS also
 * `client.cert` + `client.key` (skopeo takes `*.crt` as CAs and NAME.cert/NAME.key as a
 * client pair, so the client certificate must not be named `.crt`).
 */
export async function writeClientCertsDir(dir: string, material: TlsMaterial, mutual: boolean): Promise<void> {
  const hostDir = join(dir, '127.0.0.1');
  await mkdir(hostDir, { recursive: true });
  await writeFile(join(hostDir, 'ca.crt'), material.caCert);
  if (mutual) {
    await writeFile(join(hostDir, 'client.cert'), material.clientCert);
    await writeFile(join(hostDir, 'client.key'), material.clientKey, { mode: 0o600 });
  }
}
