/** `backup` and `referrers` at load: the line a user sees for each problem, all at once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from './load.js';
import { resolveTasks } from '../model/resolve-tasks.js';
import { CHECKED_FILE, checkConfigText } from '../../test/support/config-check.js';

const FILE = CHECKED_FILE;

const check = checkConfigText;

const config = (head: string, task: string, mapping: string) => `${head}tasks:
  - name: t
    source: { registry: src.example.com }
    target: { registry: dst.example.com }
${task}    mappings:
      - from: app
${mapping}`;

test('valid templates on task and mapping load; the mapping overrides the task', () => {
  const text = config('', "    backup: '{{.Tag}}-backup-{{.Date}}'\n", "        backup: 'old-{{.ShortDigest}}'\n        referrers: true\n      - from: other\n");
  const [task] = resolveTasks(parseConfigText(text, FILE).config);
  assert.equal(task?.mappings[0]?.backup?.text, 'old-{{.ShortDigest}}');
  assert.equal(task?.mappings[0]?.referrers, true);
  assert.equal(task?.mappings[1]?.backup?.text, '{{.Tag}}-backup-{{.Date}}', "the task's template");
  assert.equal(task?.mappings[1]?.referrers, false);
});

test('every bad template and referrers with relay docker are reported at once, each at its line and path', () => {
  const got = check(config('relay: docker\n', "    backup: '{{.Tag}}'\n", "        backup: '{{.Ref.Tag}}:old'\n        referrers: yes\n"));
  assert.deepEqual(got.errors, [
    "c.yaml:6: tasks[0].backup: invalid backup template: the backup would be the tag itself: add text around {{.Tag}}, e.g. {{.Tag}}-backup",
    "c.yaml:9: tasks[0].mappings[0].backup: invalid backup template: '{{.Ref.Tag}}:old' is not a field: write {{.Tag}}, {{.Date}}, {{.Time}}, {{.Digest}} or {{.ShortDigest}}",
    "c.yaml:10: tasks[0].mappings[0].referrers: relay 'docker' cannot copy referrers (signatures, SBOMs): use relay 'skopeo' or 'native'",
  ]);
});

test('a name shared by every tag is allowed, with a warning', () => {
  const got = check(config('', '', "        backup: 'previous'\n"));
  assert.deepEqual(got.errors, []);
  assert.match(got.warnings.join('\n'), /c\.yaml:7: tasks\[0\]\.mappings\[0\]\.backup: every tag gets the same backup name/);
});
