import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LosslessNumber } from 'lossless-json';
import { isKeepError } from '../../../errors.ts';
import { checkCas, parseCas } from './cas.ts';
import { defaultConfig, newKeyMeta } from './store.ts';

test('parseCas reads integers loosely', () => {
  assert.equal(parseCas(3), 3);
  assert.equal(parseCas(new LosslessNumber('7')), 7);
  assert.equal(parseCas('4'), 4);
  assert.equal(parseCas('0x10'), 16);
  assert.equal(parseCas(''), 0);
  assert.equal(parseCas(null), 0);
  assert.equal(parseCas(true), 1);
  assert.equal(parseCas(new LosslessNumber('1.5')), undefined);
  assert.equal(parseCas('abc'), undefined);
  assert.equal(parseCas('09'), undefined);
  assert.equal(parseCas('010'), 8);
  assert.equal(parseCas(new LosslessNumber('1e3')), undefined);
  assert.equal(parseCas({}), undefined);
});

const rejects = (fn: () => void, message: string) =>
  assert.throws(fn, (e: unknown) => isKeepError(e) && e.status === 400 && e.message === message);

test('checkCas: match, mismatch, unparsable, required by mount or key', () => {
  const meta = newKeyMeta('k');
  meta.current_version = 2;
  const config = defaultConfig();
  assert.doesNotThrow(() => checkCas({ cas: 2 }, config, meta));
  assert.doesNotThrow(() => checkCas(undefined, config, meta));
  rejects(() => checkCas({ cas: 1 }, config, meta), 'check-and-set parameter did not match the current version');
  rejects(() => checkCas({ cas: 'x' }, config, meta), 'error parsing check-and-set parameter');
  rejects(() => checkCas({}, { ...config, cas_required: true }, meta), 'check-and-set parameter required for this call');
  rejects(() => checkCas(undefined, config, { ...meta, cas_required: true }), 'check-and-set parameter required for this call');
  assert.doesNotThrow(() => checkCas({ cas: 2 }, { ...config, cas_required: true }, meta));
});
