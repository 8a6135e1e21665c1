import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router, type Route } from './router.ts';

const route = (prefix: string) => ({ prefix }) as unknown as Route;

/** The plain longest-prefix walk over every '/' of the path (the reference behaviour). */
function reference(prefixes: Set<string>, path: string): string | undefined {
  const exact = path.endsWith('/') ? path : `${path}/`;
  if (prefixes.has(exact)) return exact;
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    if (prefixes.has(path.slice(0, i + 1))) return path.slice(0, i + 1);
  }
  return undefined;
}

test('match: longest mount prefix; a path without its trailing slash reaches its mount', () => {
  const r = new Router();
  for (const p of ['secret/', 'secret/team/', 'sys/', 'auth/token/', 'auth/jwt/', 'cubbyhole/']) r.add(route(p));
  assert.equal(r.match('secret/data/x')?.prefix, 'secret/');
  assert.equal(r.match('secret/team/data/x')?.prefix, 'secret/team/');
  assert.equal(r.match('secret/team')?.prefix, 'secret/team/');
  assert.equal(r.match('secret')?.prefix, 'secret/');
  assert.equal(r.match('secret/')?.prefix, 'secret/');
  assert.equal(r.match('secretx/data')?.prefix, undefined);
  assert.equal(r.match('auth/token/lookup-self')?.prefix, 'auth/token/');
  assert.equal(r.match('auth/other/login'), undefined);
  assert.equal(r.match(''), undefined);
  assert.equal(r.match('/secret/x'), undefined);
  r.remove('secret/team/');
  assert.equal(r.match('secret/team/data/x')?.prefix, 'secret/');
});

test('match: same answers as the plain walk over every slash', () => {
  const prefixes = new Set(['a/', 'a/b/', 'a/b/c/', 'ab/', 'b//', 'x/y/', '/', 'é/', 'a/😀/']);
  const r = new Router();
  for (const p of prefixes) r.add(route(p));
  const parts = ['a', 'b', 'c', 'ab', '', 'x', 'y', 'é', '😀', '/'];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const n = rand(6);
    const segs: string[] = [];
    for (let j = 0; j < n; j++) segs.push(parts[rand(parts.length)]);
    const path = segs.join('/') + (rand(3) === 0 ? '/' : '');
    assert.equal(r.match(path)?.prefix, reference(prefixes, path), `path ${JSON.stringify(path)}`);
  }
});
