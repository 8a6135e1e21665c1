import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrSubset, goQuoteList, isAddressOrBlock, isCidrBlock, subsetError } from './cidr.ts';

test('isCidrBlock requires a prefix length; isAddressOrBlock accepts bare addresses', () => {
  assert.equal(isCidrBlock('10.0.0.0/8'), true);
  assert.equal(isCidrBlock(' 2001:db8::/32 '), true);
  assert.equal(isCidrBlock('10.0.0.1'), false);
  assert.equal(isCidrBlock('10.0.0.0/33'), false);
  assert.equal(isCidrBlock('nope/8'), false);
  assert.equal(isAddressOrBlock('10.0.0.1'), true);
  assert.equal(isAddressOrBlock('::1'), true);
  assert.equal(isAddressOrBlock('x'), false);
});

test('cidrSubset: every inner block inside some outer block', () => {
  assert.equal(cidrSubset([], ['1.2.3.0/24']), true);
  assert.equal(cidrSubset(['10.0.0.0/8'], []), true);
  assert.equal(cidrSubset(['10.0.0.0/8'], ['10.1.0.0/16', '10.2.3.4/32']), true);
  assert.equal(cidrSubset(['10.0.0.0/8'], ['10.0.0.0/8']), true);
  assert.equal(cidrSubset(['10.0.0.0/8'], ['10.0.0.0/7']), false);
  assert.equal(cidrSubset(['10.0.0.0/8'], ['11.0.0.0/16']), false);
  assert.equal(cidrSubset(['10.0.0.0/8', '192.168.0.0/16'], ['192.168.1.0/24', '10.9.0.0/16']), true);
  assert.equal(cidrSubset(['10.9.9.9'], ['10.9.9.9/32']), true);
  assert.equal(cidrSubset(['10.9.9.9'], ['10.9.9.0/24']), false);
  assert.equal(cidrSubset(['2001:db8::/32'], ['2001:db8:1::/48']), true);
  assert.equal(cidrSubset(['2001:db8::/32'], ['10.0.0.0/8']), false);
});

test('Go renderings', () => {
  assert.equal(goQuoteList(['a', 'b']), '["a" "b"]');
  assert.equal(
    subsetError(['10.0.0.0/8', '10.9.9.9'], ['1.0.0.0/8']),
    'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8" "10.9.9.9/32"] and CIDR blocks on the secret ID ["1.0.0.0/8"]: %!w(<nil>)',
  );
});
