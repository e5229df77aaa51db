import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enclosingName } from './log-caller.js';

const SOURCE = `export async function runTask(task: Task, deps: {
  a: number;
}): Promise<void> {
  const finish = (ok: boolean) => done(ok);
  if (task.x) {
    log.info('one');
  }
  log.info('two');
}

class Relay {
  async copy(req: Req, ctx: { signal: AbortSignal }): Promise<void> {
    items.forEach((item) => {
      log.debug('three');
    });
  }
}

const helper = async (x: string) => {
  log.warn('four { not a block }');
};
`;

test('a log call is named after the function it is in, however that is declared', () => {
  const lineOf = (text: string) => SOURCE.split('\n').findIndex((l) => l.includes(text));
  assert.equal(enclosingName(SOURCE, lineOf("'one'")), 'runTask', 'through an if block, past a one-line arrow');
  assert.equal(enclosingName(SOURCE, lineOf("'two'")), 'runTask', 'parameters over several lines');
  assert.equal(enclosingName(SOURCE, lineOf("'three'")), 'copy', 'an anonymous callback inside a method');
  assert.equal(enclosingName(SOURCE, lineOf("'four")), 'helper', 'a function-valued binding; braces in strings do not count');
  assert.equal(enclosingName('log.info("top level");\n', 0), undefined);
});
