import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IssuedToken, TokenEntry } from '../contracts.ts';
import { KeepError } from '../../errors.ts';
import { jsonNumber } from '../../framework/json.ts';
import { TestView } from '../expiration/test-view.ts';
import { INVALID_WRAPPING_TOKEN, Wrapping } from './wrapping.ts';

const T0 = 1_700_000_000_000;

class FakeTokens {
  readonly live = new Map<string, TokenEntry>();
  revoked: string[] = [];
  failRevoke = false;
  private n = 0;

  constructor(private readonly clock: { now: number }) {}

  async createWrappingToken(ttl: number, creationPath: string): Promise<IssuedToken> {
    this.n++;
    const entry = this.entry(`h${this.n}`, ['response-wrapping'], ttl, creationPath);
    const token = `hvs.wrap${this.n}`;
    this.live.set(token, entry);
    return { token, entry, authBlock: {}, warnings: [] };
  }

  add(token: string, policies: string[]): void {
    this.live.set(token, this.entry(`x-${token}`, policies, 300, 'auth/token/create'));
  }

  async lookup(raw: string): Promise<TokenEntry | undefined> {
    return this.live.get(raw);
  }

  async revokeTree(hash: string): Promise<void> {
    if (this.failRevoke) throw new Error('revoke failed');
    for (const [k, v] of this.live) if (v.hash === hash) this.live.delete(k);
    this.revoked.push(hash);
  }

  private entry(hash: string, policies: string[], ttl: number, path: string): TokenEntry {
    const now = this.clock.now;
    return {
      hash,
      accessor: `acc-${hash}`,
      policies,
      parentHash: '',
      path,
      meta: null,
      displayName: '',
      numUses: 1,
      creationTime: Math.floor(now / 1000),
      ttl,
      explicitMaxTTL: ttl,
      period: 0,
      role: '',
      entityId: '',
      type: 'service',
      boundCIDRs: [],
      expireTime: now + ttl * 1000,
      issueTime: now,
      lastRenewalTime: 0,
      renewable: false,
      mountAccessor: 'auth_token_1',
      cubbyholeId: `cub-${hash}`,
    };
  }
}

function setup() {
  const clock = { now: T0 };
  const tokens = new FakeTokens(clock);
  const view = new TestView();
  const wrapping = new Wrapping({ tokens, cubbyhole: (e) => view.sub(`${e.cubbyholeId}/`), now: () => clock.now });
  return { clock, tokens, view, wrapping };
}

const ENVELOPE = {
  request_id: '9b6c2e64-0f5a-4a53-9d1e-1b6f3c1b2d7a',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: { password: 'hunter2', big: jsonNumber('12345678901234567890') },
  wrap_info: null,
  warnings: null,
  auth: null,
  mount_type: 'kv',
};

async function invalid(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof KeepError && e.status === 400 && e.message === INVALID_WRAPPING_TOKEN);
}

describe('Wrapping', () => {
  it('wraps into the cubbyhole of a new wrapping token and returns wrap_info', async () => {
    const { wrapping, view } = setup();
    const info = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app');
    assert.equal(info.token, 'hvs.wrap1');
    assert.equal(info.accessor, 'acc-h1');
    assert.equal(info.ttl, 300);
    assert.equal(info.creation_path, 'secret/data/app');
    assert.equal(info.creation_time, '2023-11-14T22:13:20Z');
    assert.equal('wrapped_accessor' in info, false);
    const stored = await view.getJSON<{ response: string }>('cub-h1/response');
    assert.equal(typeof stored?.response, 'string');
    assert.deepEqual(await view.getJSON('cub-h1/wrapinfo'), {
      creation_ttl: 300,
      creation_time: '2023-11-14T22:13:20Z',
      creation_path: 'secret/data/app',
    });
  });

  it('carries wrapped_accessor when given', async () => {
    const { wrapping } = setup();
    const info = await wrapping.wrap(ENVELOPE, 60, 'auth/approle/login', 'Yb2accessor');
    assert.equal(info.wrapped_accessor, 'Yb2accessor');
  });

  it('unwraps the stored text verbatim, once, and revokes the token', async () => {
    const { wrapping, tokens } = setup();
    const info = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app');
    const text = await wrapping.unwrap(info.token);
    assert.ok(text.includes('"big":12345678901234567890'));
    assert.equal((JSON.parse(text) as { request_id: string }).request_id, ENVELOPE.request_id);
    assert.deepEqual(tokens.revoked, ['h1']);
    await invalid(wrapping.unwrap(info.token));
  });

  it('lets only one of two concurrent unwraps through', async () => {
    const { wrapping } = setup();
    const info = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app');
    const results = await Promise.allSettled([wrapping.unwrap(info.token), wrapping.unwrap(info.token)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('does not release the text when the token cannot be revoked', async () => {
    const { wrapping, tokens } = setup();
    const info = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app');
    tokens.failRevoke = true;
    await assert.rejects(wrapping.unwrap(info.token), /revoke failed/);
  });

  it('rejects unknown, empty, expired and non-wrapping tokens', async () => {
    const { wrapping, tokens, clock } = setup();
    await invalid(wrapping.unwrap('hvs.nope'));
    await invalid(wrapping.unwrap(''));
    await invalid(wrapping.lookup('hvs.nope'));
    await invalid(wrapping.rewrap('hvs.nope'));
    tokens.add('hvs.regular', ['default']);
    await invalid(wrapping.unwrap('hvs.regular'));
    tokens.add('hvs.mixed', ['response-wrapping', 'admin']);
    await invalid(wrapping.unwrap('hvs.mixed'));
    const info = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app');
    clock.now += 300_000;
    await invalid(wrapping.unwrap(info.token));
    await invalid(wrapping.lookup(info.token));
  });

  it('rejects a wrapping token whose cubbyhole holds nothing', async () => {
    const { wrapping, tokens } = setup();
    const issued = await tokens.createWrappingToken(60, 'x');
    await invalid(wrapping.unwrap(issued.token));
    await invalid(wrapping.lookup(issued.token));
  });

  it('looks up without consuming', async () => {
    const { wrapping, clock } = setup();
    const info = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app');
    clock.now += 5000;
    const a = await wrapping.lookup(info.token);
    assert.deepEqual(a, { creation_ttl: 300, creation_time: '2023-11-14T22:13:20Z', creation_path: 'secret/data/app' });
    assert.deepEqual(await wrapping.lookup(info.token), a);
    assert.ok(await wrapping.unwrap(info.token));
  });

  it('rewraps into a new token with the same path and original TTL, revoking the old one', async () => {
    const { wrapping, clock } = setup();
    const old = await wrapping.wrap(ENVELOPE, 300, 'secret/data/app', 'acc-wrapped');
    clock.now += 100_123;
    const fresh = await wrapping.rewrap(old.token);
    assert.notEqual(fresh.token, old.token);
    assert.equal(fresh.ttl, 300);
    assert.equal(fresh.creation_path, 'secret/data/app');
    assert.equal(fresh.creation_time, '2023-11-14T22:15:00.123Z');
    assert.equal(fresh.wrapped_accessor, 'acc-wrapped');
    await invalid(wrapping.unwrap(old.token));
    const text = await wrapping.unwrap(fresh.token);
    assert.equal((JSON.parse(text) as { data: { password: string } }).data.password, 'hunter2');
  });

  it('revokes the new token when storing the envelope fails', async () => {
    const { wrapping, tokens, view } = setup();
    view.failTransactions = 1;
    await assert.rejects(wrapping.wrap(ENVELOPE, 300, 'secret/data/app'), /injected storage failure/);
    assert.deepEqual(tokens.revoked, ['h1']);
  });
});
