import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPolicy, hasComments } from './policy-format.ts';

test('HCL is re-printed canonically: fixed key order, two-space indent, blank line between blocks', () => {
  const src = `name="ci"
path "secret/data/*" { allowed_parameters = { "foo" = [] "bar" = ["a", 1] }
capabilities=["read","list"] }
path    "sys/*"   {
policy = "deny" }`;
  assert.equal(
    formatPolicy(src),
    `name = "ci"

path "secret/data/*" {
  capabilities = ["read", "list"]
  allowed_parameters = {
    "bar" = ["a", 1]
    "foo" = []
  }
}

path "sys/*" {
  policy = "deny"
}
`,
  );
});

test('formatting is idempotent and accepts JSON policies', () => {
  const json = '{"path": {"auth/token/lookup-self": {"capabilities": ["read"]}, "x": {"capabilities": []}}}';
  const once = formatPolicy(json);
  assert.equal(once, 'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n\npath "x" {\n  capabilities = []\n}\n');
  assert.equal(formatPolicy(once), once);
});

test('invalid HCL is rejected with its position; unknown top-level keys are rejected', () => {
  assert.throws(() => formatPolicy('path "a" {\n capabilities = [\n'), /At \d+:\d+/);
  assert.throws(() => formatPolicy('foo = "bar"'), /invalid key "foo" at the top level/);
  assert.throws(() => formatPolicy('path = "x"'), /path "x"|expected a block/);
});

test('comments are detected outside strings only', () => {
  assert.equal(hasComments('# c\npath "a" {}'), true);
  assert.equal(hasComments('path "a" {} // c'), true);
  assert.equal(hasComments('/* c */ path "a" {}'), true);
  assert.equal(hasComments('path "a/#/b" { capabilities = ["read"] }'), false);
  assert.equal(hasComments('path "a//b" {}'), false);
});
