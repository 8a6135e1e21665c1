/**
 * `keep operator init | unseal | seal | rotate | key-status`.
 */
import type { InitRequest, KeyStatus } from '../../client/types.ts';
import { EXIT_LOCAL, EXIT_OK, EXIT_REMOTE, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../flags.ts';
import { columns, jsonText, yamlText } from '../format.ts';
import type { Command } from '../registry.ts';
import { printSealStatus } from './status.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC822 layout in UTC: `02 Jan 06 15:04 UTC`. */
export function rfc822(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** The key-status lines (no header), as `operator key-status` and `operator rotate` print them. */
export function keyStatusText(ks: KeyStatus): string {
  return columns([
    ['Key Term', String(ks.term)],
    ['Install Time', rfc822(ks.install_time)],
    ['Encryption Count', String(ks.encryptions ?? 0)],
  ]);
}

function printStructured(ctx: CommandContext, value: unknown): number | undefined {
  if (ctx.format === 'json') ctx.out(jsonText(value));
  else if (ctx.format === 'yaml' || ctx.format === 'yml') ctx.out(yamlText(value));
  else if (ctx.format !== 'table') {
    ctx.err(`Invalid output format: ${ctx.format}`);
    return EXIT_LOCAL;
  } else return undefined;
  return EXIT_OK;
}

const init: Command = {
  name: 'operator init',
  synopsis: 'Initialise a server: create the unseal key shares and the root token',
  usage: '[options]',
  flags: [
    FORMAT_FLAG,
    { name: 'key-shares', type: 'int', usage: 'Number of unseal key shares.', default: 5 },
    { name: 'key-threshold', type: 'int', usage: 'Number of shares needed to unseal.', default: 3 },
    { name: 'recovery-shares', type: 'int', usage: 'Number of recovery key shares (auto-unseal only).' },
    { name: 'recovery-threshold', type: 'int', usage: 'Recovery shares needed (auto-unseal only).' },
    { name: 'status', type: 'bool', usage: 'Only report whether the server is initialised (exit 0 yes, 2 no).' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    if (ctx.flags.bool('status')) {
      try {
        const ok = await client.sys.initStatus();
        ctx.out(ok ? 'Keep is initialized' : 'Keep is not initialized');
        return ok ? EXIT_OK : EXIT_REMOTE;
      } catch (e) {
        return ctx.fail('Error checking init status', e);
      }
    }
    let res;
    let req: InitRequest;
    try {
      // An auto-unseal (static) server takes recovery shares instead of unseal key shares, as
      // Vault's CLI does: the seal type decides which pair of flags is sent.
      const autoUnseal = (await client.sys.sealStatus()).type !== 'shamir';
      if (autoUnseal) {
        req = {
          recovery_shares: ctx.flags.has('recovery-shares') ? ctx.flags.int('recovery-shares') : 5,
          recovery_threshold: ctx.flags.has('recovery-threshold') ? ctx.flags.int('recovery-threshold') : 3,
        };
      } else {
        req = { secret_shares: ctx.flags.int('key-shares'), secret_threshold: ctx.flags.int('key-threshold') };
        if (ctx.flags.has('recovery-shares')) req.recovery_shares = ctx.flags.int('recovery-shares');
        if (ctx.flags.has('recovery-threshold')) req.recovery_threshold = ctx.flags.int('recovery-threshold');
      }
      res = await client.sys.init(req);
    } catch (e) {
      return ctx.fail('Error initializing', e);
    }
    const out = {
      unseal_keys_b64: res.keys_base64 ?? [],
      unseal_keys_hex: res.keys ?? [],
      unseal_shares: req.secret_shares,
      unseal_threshold: req.secret_threshold,
      recovery_keys_b64: res.recovery_keys_base64 ?? [],
      recovery_keys_hex: res.recovery_keys ?? [],
      recovery_keys_shares: req.recovery_shares ?? 0,
      recovery_keys_threshold: req.recovery_threshold ?? 0,
      root_token: res.root_token,
    };
    const structured = printStructured(ctx, out);
    if (structured !== undefined) return structured;
    const lines: string[] = [];
    (res.keys_base64 ?? []).forEach((k, i) => lines.push(`Unseal Key ${i + 1}: ${k}`));
    (res.recovery_keys_base64 ?? []).forEach((k, i) => lines.push(`Recovery Key ${i + 1}: ${k}`));
    lines.push('', `Initial Root Token: ${res.root_token}`, '');
    if (req.secret_shares === undefined) {
      lines.push(
        `Keep initialized with ${req.recovery_shares} recovery key shares and a recovery threshold of ${req.recovery_threshold}.`,
        'The server unseals itself with its static seal key; the recovery keys authorise',
        'operations that need a quorum. Distribute them securely.',
      );
      ctx.out(lines.join('\n'));
      return EXIT_OK;
    }
    const t = req.secret_threshold;
    lines.push(
      `Keep initialized with ${req.secret_shares} key shares and a key threshold of ${t}. Please securely`,
      'distribute the key shares printed above. When Keep is re-sealed, restarted, or',
      `stopped, you must supply at least ${t} of these keys to unseal it before it can`,
      'start servicing requests.',
      '',
      `Keep does not store the generated root key. Without at least ${t} keys to`,
      'reconstruct the root key, Keep will remain permanently sealed!',
    );
    ctx.out(lines.join('\n'));
    return EXIT_OK;
  },
};

const unseal: Command = {
  name: 'operator unseal',
  synopsis: 'Submit one unseal key share',
  usage: '[options] [KEY]',
  help: 'Submits one unseal key share (hex or base64). Without KEY, it is read from stdin/prompt.',
  flags: [FORMAT_FLAG, { name: 'reset', type: 'bool', usage: 'Discard the shares submitted so far.' }],
  async run(ctx, args) {
    expectArgs(args, 0, 1);
    const client = await ctx.client();
    try {
      let status;
      if (ctx.flags.bool('reset')) {
        status = await client.sys.unsealReset();
      } else {
        let key = args[0];
        if (key === undefined || key === '-') key = await ctx.io.readLine('Unseal Key (will be hidden): ');
        key = key.trim();
        if (key === '') throw new UsageError('Missing unseal key');
        status = await client.sys.unseal(key);
      }
      return await printSealStatus(ctx, client, status);
    } catch (e) {
      return ctx.fail('Error unsealing', e);
    }
  },
};

const seal: Command = {
  name: 'operator seal',
  synopsis: 'Seal the server (wipes its keys from memory)',
  usage: '[options]',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    try {
      await client.sys.seal();
    } catch (e) {
      return ctx.fail('Error sealing', e);
    }
    ctx.out('Success! Keep is sealed.');
    return EXIT_OK;
  },
};

const rotate: Command = {
  name: 'operator rotate',
  synopsis: 'Add a new encryption key term to the barrier',
  usage: '[options]',
  flags: [FORMAT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    try {
      await client.sys.rotate();
    } catch (e) {
      return ctx.fail('Error rotating key', e);
    }
    let ks: KeyStatus;
    try {
      ks = await client.sys.keyStatus();
    } catch (e) {
      return ctx.fail('Error reading key status', e);
    }
    const structured = printStructured(ctx, ks);
    if (structured !== undefined) return structured;
    ctx.out(`Success! Rotated key\n\n${keyStatusText(ks)}`);
    return EXIT_OK;
  },
};

const keyStatus: Command = {
  name: 'operator key-status',
  synopsis: 'Print the active encryption key term',
  usage: '[options]',
  flags: [FORMAT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 0);
    const client = await ctx.client();
    let ks: KeyStatus;
    try {
      ks = await client.sys.keyStatus();
    } catch (e) {
      return ctx.fail('Error reading key status', e);
    }
    const structured = printStructured(ctx, ks);
    if (structured !== undefined) return structured;
    ctx.out(keyStatusText(ks));
    return EXIT_OK;
  },
};

export const operatorCommands: Command[] = [init, unseal, seal, rotate, keyStatus];
