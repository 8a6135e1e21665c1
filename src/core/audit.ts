/**
 * The audit step of the pipeline (spec/core.md 5.5). Devices come with the audit issue; until
 * then the broker has none, and with no device requests proceed unaudited, as in Vault. The
 * pipeline already calls it at both points, fail-closed once a device exists.
 */
import type { CoreResult } from '../framework/types.ts';
import { internalError } from '../errors.ts';

export interface AuditEntryInput {
  requestId: string;
  operation: string;
  path: string;
  mountType: string;
  mountAccessor: string;
  remoteAddress: string;
  tokenAccessor: string;
  policies: string[];
  metadata: Record<string, string>;
  data: Record<string, unknown>;
  error?: string;
}

export interface AuditDevice {
  readonly path: string;
  logRequest(entry: AuditEntryInput): Promise<void>;
  logResponse(entry: AuditEntryInput, result: CoreResult | undefined): Promise<void>;
}

export class AuditBroker {
  private devices: AuditDevice[] = [];

  get enabled(): boolean {
    return this.devices.length > 0;
  }

  register(device: AuditDevice): void {
    this.devices.push(device);
  }

  /** At least one device must record the entry, else the request fails with 500. */
  async logRequest(entry: AuditEntryInput): Promise<void> {
    if (this.devices.length === 0) return;
    const results = await Promise.allSettled(this.devices.map((d) => d.logRequest(entry)));
    if (!results.some((r) => r.status === 'fulfilled')) throw internalError();
  }

  async logResponse(entry: AuditEntryInput, result: CoreResult | undefined): Promise<void> {
    if (this.devices.length === 0) return;
    const results = await Promise.allSettled(this.devices.map((d) => d.logResponse(entry, result)));
    if (!results.some((r) => r.status === 'fulfilled')) throw internalError();
  }
}
