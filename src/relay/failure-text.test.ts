import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyFailureText, failedStep } from './failure-text.js';

test("skopeo's and the Docker Engine's failures: transient ones retried, final ones not", () => {
  const cases: Array<[string, boolean]> = [
    // skopeo 1.9, as seen through the fault proxy (e2e/faults.test.ts)
    ['trying to reuse blob sha256:ab at destination: pinging container registry 127.0.0.1:5000: invalid status code from registry 503 (Service Unavailable)', true],
    ['reading config blob sha256:ab: Error fetching blob: invalid status code from registry 500 (Internal Server Error)', true],
    ['reading config blob sha256:ab: unexpected EOF', true],
    ['writing blob: Post "http://127.0.0.1:5000/v2/team/app/blobs/uploads/": EOF', true],
    ['reading manifest 1.0 in 127.0.0.1:5000/team/app: toomanyrequests: too many requests', true],
    ['pinging container registry 127.0.0.1:5000: Get "https://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused', true],
    ['writing blob: Patch "http://127.0.0.1:5000/v2/a/blobs/uploads/x": read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer', true],
    ['reading manifest 1.0 in 127.0.0.1:5000/team/app: manifest unknown: manifest unknown', false],
    ['initializing source docker://127.0.0.1:5000/team/app:1.0: reading manifest 1.0 in 127.0.0.1:5000/team/app: unauthorized: authentication required', false],
    ['writing manifest: uploading manifest 1.0 to 127.0.0.1:5000/team/app: denied: requested access to the resource is denied', false],
    ['trying to reuse blob sha256:ab at destination: pinging container registry 127.0.0.1:5000: invalid status code from registry 401 (Unauthorized)', false],
    ['pinging container registry r.example: Get "https://r.example/v2/": x509: certificate signed by unknown authority', false],
    ['pinging container registry r.example: Get "https://r.example/v2/": dial tcp: lookup r.example: no such host', false],
    // the Docker Engine (20.10)
    ['received unexpected HTTP status: 503 Service Unavailable', true],
    ['Get "http://127.0.0.1:5000/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)', true],
    ['manifest for 127.0.0.1:5000/team/app:nope not found: manifest unknown: manifest unknown', false],
    ['unauthorized: authentication required', false],
    ['exit status 1', false],
  ];
  for (const [text, transient] of cases) assert.equal(classifyFailureText(text).retry, transient, text);
});

test('the step a whole copy failed at: the same request failing again is the same step, whatever its cause', () => {
  const fatal = (msg: string) => `time="2026-11-30T14:50:01Z" level=warning msg="Failed, retrying in 1s ... (1/2). Error: x"\ntime="2026-11-30T14:50:02Z" level=fatal msg="${msg.replaceAll('"', '\\"')}"`;
  const ping503 = fatal('trying to reuse blob sha256:ab at destination: pinging container registry 127.0.0.1:46169: invalid status code from registry 503 (Service Unavailable)');
  const ping500 = fatal('trying to reuse blob sha256:ab at destination: pinging container registry 127.0.0.1:46169: invalid status code from registry 500 (Internal Server Error)');
  const pingEOF = fatal('trying to reuse blob sha256:ab at destination: pinging container registry 127.0.0.1:46169: Get "http://127.0.0.1:46169/v2/": EOF');
  assert.equal(failedStep(ping503), 'trying to reuse blob sha256:ab at destination: pinging container registry …');
  assert.equal(failedStep(ping500), failedStep(ping503));
  assert.equal(failedStep(pingEOF), failedStep(ping503));
  // Upload sessions, query strings and local ports change from try to try; the step does not.
  const patch = (session: string, port: number) =>
    fatal(`writing blob: Patch "http://127.0.0.1:46169/v2/team/app/blobs/uploads/${session}?_state=Zm9v": read tcp 127.0.0.1:${port}->127.0.0.1:46169: read: connection reset by peer`);
  assert.equal(failedStep(patch('6f1c-aa', 40001)), 'writing blob');
  assert.equal(failedStep(patch('9b2d-bb', 40777)), 'writing blob');
  const manifest = fatal('writing manifest: uploading manifest 1.3.8 to 127.0.0.1:46169/team/app: received unexpected HTTP status: 500 Internal Server Error');
  assert.equal(failedStep(manifest), 'writing manifest: uploading manifest 1.3.8 to …/team/app');
  assert.notEqual(failedStep(manifest), failedStep(ping503));
  // Another blob is another request.
  assert.notEqual(failedStep(ping503), failedStep(ping503.replace('sha256:ab', 'sha256:cd')));
});
