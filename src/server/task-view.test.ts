import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveTask } from '../model/resolve-tasks.js';
import type { Task } from '../config/schema.js';
import type { ApiSettings } from '../service/service-config.js';
import { checkApiAccess } from './api-auth.js';
import type { Request } from './router.js';
import { definitionView, hideArg, hideEnvValue } from './task-view.js';

const PASSWORD = 'registry-pass-Xy7';
const AUTH = Buffer.from(JSON.stringify({ username: 'u', password: PASSWORD })).toString('base64');

test('the definition shows no credential: auth as set, hook env and args without secrets', () => {
  const task = resolveTask(
    {
      name: 'm',
      source: { registry: 'src:5000', auth: AUTH },
      target: { registry: 'dst:5000', auth: 'none', 'auth-file': '/secrets/dst' },
      mappings: [{ from: 'a/b', to: 'c/b', tags: ['1.0', 'regex: v.*'] }],
      hooks: {
        'after-sync': {
          cmd: '/usr/bin/mc',
          args: ['mirror', `--secret-key=${PASSWORD}`, '--password', PASSWORD, `https://admin:${PASSWORD}@s3.local/b`, 'plain'],
          env: { MC_HOST_x: `https://ak:${PASSWORD}@minio:9000`, AWS_SECRET_ACCESS_KEY: 'abc', REGION: 'eu-1', OPAQUE: 'c2VjcmV0LXRva2VuLTEyMzQ1Njc4OQ' },
        },
      },
    } as Task,
    0,
  );
  const view = definitionView(task);
  const text = JSON.stringify(view);
  assert.ok(!text.includes(PASSWORD), text);
  assert.ok(!text.includes(AUTH), text);
  assert.equal(view.source.auth, '***');
  assert.equal(view.target.auth, 'none');
  assert.equal(view.target.authFile, '/secrets/dst', 'the path, never the contents');
  assert.deepEqual(view.hooks?.afterSync.args, ['mirror', '--secret-key=***', '--password', '***', 'https://admin:***@s3.local/b', 'plain']);
  assert.deepEqual(view.hooks?.afterSync.env, { MC_HOST_x: 'https://ak:***@minio:9000', AWS_SECRET_ACCESS_KEY: '***', REGION: 'eu-1', OPAQUE: '***' });
  assert.deepEqual(view.mappings, [{ from: 'a/b', to: 'c/b', tags: ['1.0', 'regex: v.*'], platform: undefined, force: false }]);
});

test('env values and args: what looks secret goes, the rest stays', () => {
  assert.equal(hideEnvValue('GITHUB_TOKEN', 'x'), '***');
  assert.equal(hideEnvValue('LEVEL', 'debug'), 'debug');
  assert.equal(hideEnvValue('ID', 'ghp_0123456789abcdefABCDEF'), '***');
  assert.equal(hideEnvValue('PATH', '/usr/local/bin:/usr/bin'), '/usr/local/bin:/usr/bin');
  assert.equal(hideArg('--token=abc', undefined), '--token=***');
  assert.equal(hideArg('--verbose', undefined), '--verbose');
  assert.equal(hideArg('/some/path/file.txt', undefined), '/some/path/file.txt');
});

const api = (a: Partial<ApiSettings>): ApiSettings => ({ token: undefined, allowNoToken: false, stuckAfterMs: undefined, ...a });
const req = (headers: Record<string, string>): Request => ({ method: 'GET', path: '/api/v1/tasks', params: {}, query: new URLSearchParams(), headers, body: Buffer.alloc(0) });

test('API access: the token when there is one; without, loopback hosts and same-site changes only', () => {
  const withToken = api({ token: 'tok' });
  assert.equal(checkApiAccess(req({ host: 'x', authorization: 'Bearer tok' }), withToken, true), undefined);
  for (const auth of ['Bearer nope', 'Bearer tok2', 'tok', '']) assert.equal(checkApiAccess(req({ host: 'x', authorization: auth }), withToken, false)?.status, 401, auth);
  const open = api({});
  assert.equal(checkApiAccess(req({ host: '127.0.0.1:8080' }), open, true), undefined);
  assert.equal(checkApiAccess(req({ host: 'localhost:8080', origin: 'http://localhost:8080' }), open, true), undefined);
  assert.equal(checkApiAccess(req({ host: 'evil.example:8080' }), open, false)?.status, 403, 'DNS rebinding');
  assert.equal(checkApiAccess(req({ host: '127.0.0.1:8080', 'sec-fetch-site': 'cross-site' }), open, true)?.status, 403);
  assert.equal(checkApiAccess(req({ host: '127.0.0.1:8080', origin: 'https://evil.example' }), open, true)?.status, 403);
  assert.equal(checkApiAccess(req({ host: '127.0.0.1:8080', origin: 'https://evil.example' }), open, false), undefined, 'reads are not a CSRF target');
  assert.equal(checkApiAccess(req({ host: 'dregsy.internal:8080' }), api({ allowNoToken: true }), false), undefined, 'open beyond loopback when asked for');
});
