import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityContext } from '../contracts.ts';
import { resolveTemplate, validateTemplate } from './template.ts';

const ctx: IdentityContext = {
  entity: {
    id: 'ent-1',
    name: 'alice',
    metadata: { team: 'core', empty: '', star: 'a*b', plus: 'a+b', slash: 'acme/api' },
    aliases: [
      { id: 'alias-1', name: 'octo/repo', mountAccessor: 'auth_jwt_1', metadata: { repository: 'octo/repo', ref: 'refs/heads/main' } },
      { id: 'alias-2', name: '', mountAccessor: 'auth_approle_2', metadata: {} },
    ],
  },
  groups: [
    { id: 'grp-1', name: 'devs', metadata: { env: 'dev' } },
    { id: 'grp-2', name: '', metadata: {} },
  ],
  tokenMetadata: { repository: 'octo/repo', run: '42', blank: '' },
};

test('validateTemplate: balanced braces', () => {
  assert.equal(validateTemplate('secret/data/{{identity.entity.id}}/*'), true);
  assert.equal(validateTemplate('secret/{{ a }}/{{b}}'), true);
  assert.equal(validateTemplate('secret/plain'), false);
  assert.equal(validateTemplate('secret/{single}'), false);
});

test('validateTemplate: unbalanced braces are rejected', () => {
  for (const bad of ['{{a', 'a}}', '}}{{a}}', '{{a}}}}', '{{{{a}}', 'x/{{a}}/{{b', '{{a}}b}}']) {
    assert.throws(() => validateTemplate(bad), /unbalanced templating characters/, bad);
  }
});

const RESOLVE: Array<[string, string | undefined]> = [
  ['identity/entity/id/{{identity.entity.id}}', 'identity/entity/id/ent-1'],
  ['x/{{identity.entity.name}}', 'x/alice'],
  ['x/{{ identity.entity.name }}', 'x/alice'],
  ['x/{{identity.entity.metadata.team}}/*', 'x/core/*'],
  ['x/{{identity.entity.aliases.auth_jwt_1.id}}', 'x/alias-1'],
  ['x/{{identity.entity.aliases.auth_jwt_1.name}}', 'x/octo/repo'],
  ['x/{{identity.entity.aliases.auth_jwt_1.metadata.ref}}', 'x/refs/heads/main'],
  ['x/{{identity.groups.ids.grp-1.name}}', 'x/devs'],
  ['x/{{identity.groups.ids.grp-1.metadata.env}}', 'x/dev'],
  ['x/{{identity.groups.names.devs.id}}', 'x/grp-1'],
  ['x/{{identity.groups.names.devs.metadata.env}}', 'x/dev'],
  ['x/{{token.metadata.repository}}/{{token.metadata.run}}', 'x/octo/repo/42'],
  // '/' in a value is kept; an empty metadata value substitutes "".
  ['x/{{identity.entity.metadata.slash}}/*', 'x/acme/api/*'],
  ['x/{{identity.entity.metadata.empty}}/*', 'x//*'],
  ['x/{{token.metadata.blank}}/y', 'x//y'],
  // Dropped: unresolvable.
  ['x/{{identity.entity.metadata.missing}}', undefined],
  ['x/{{identity.entity.aliases.auth_nope.name}}', undefined],
  ['x/{{identity.entity.aliases.auth_approle_2.name}}', undefined],
  ['x/{{identity.entity.aliases.auth_jwt_1.metadata.missing}}', undefined],
  ['x/{{identity.entity.aliases.auth_jwt_1.custom_metadata.k}}', undefined],
  ['x/{{identity.entity.aliases.auth_jwt_1}}', undefined],
  ['x/{{identity.entity.groups.names}}', undefined],
  ['x/{{identity.entity.groups.ids}}', undefined],
  ['x/{{identity.entity.unknown}}', undefined],
  ['x/{{identity.groups.ids.grp-9.name}}', undefined],
  ['x/{{identity.groups.ids.grp-2.name}}', undefined],
  ['x/{{identity.groups.names.devs.metadata.missing}}', undefined],
  ['x/{{identity.groups.other.devs.id}}', undefined],
  ['x/{{token.metadata.missing}}', undefined],
  ['x/{{token.metadata.constructor}}', undefined],
  ['x/{{something.else}}', undefined],
  // Dropped: values carrying glob characters.
  ['x/{{identity.entity.metadata.star}}', undefined],
  ['x/{{identity.entity.metadata.plus}}', undefined],
  // Plain paths come back unchanged; malformed ones are dropped.
  ['x/plain/*', 'x/plain/*'],
  ['x/{{identity.entity.id', undefined],
];

for (const [input, expected] of RESOLVE) {
  test(`resolveTemplate ${input}`, () => assert.equal(resolveTemplate(input, ctx), expected));
}

test('resolveTemplate without identity or entity drops templated paths', () => {
  assert.equal(resolveTemplate('x/{{identity.entity.id}}', undefined), undefined);
  assert.equal(resolveTemplate('x/{{identity.entity.id}}', { groups: [], tokenMetadata: {} }), undefined);
  assert.equal(resolveTemplate('x/{{identity.groups.names.devs.id}}', { groups: [], tokenMetadata: {} }), undefined);
  assert.equal(resolveTemplate('x/{{token.metadata.a}}', { groups: [], tokenMetadata: { a: 'b' } }), 'x/b');
  assert.equal(resolveTemplate('x/plain', undefined), 'x/plain');
});

test('resolveTemplate: empty entity id or name is unresolvable', () => {
  const blank: IdentityContext = { entity: { id: '', name: '', metadata: {}, aliases: [] }, groups: [], tokenMetadata: {} };
  assert.equal(resolveTemplate('x/{{identity.entity.id}}', blank), undefined);
  assert.equal(resolveTemplate('x/{{identity.entity.name}}', blank), undefined);
});
