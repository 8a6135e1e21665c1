/** A CoreFacade double for HTTP tests: records requests and answers with a configurable result. */
import type { CoreFacade, HealthState, LogicalHttpRequest, SealStatus } from '../../src/core/contracts.ts';
import type { CoreResult, LogicalResponse } from '../../src/framework/types.ts';

export class StubCore implements CoreFacade {
  requests: LogicalHttpRequest[] = [];
  sealed = false;
  initializedFlag = true;
  healthState: HealthState = { initialized: true, sealed: false, standby: false, version: '1.18.0+keep', cluster_name: 'keep-cluster', cluster_id: 'cid' };
  /** Builds the handler's response for a request; default echoes the request. */
  respond: (req: LogicalHttpRequest) => LogicalResponse | undefined | Promise<LogicalResponse | undefined> = (req) => ({
    data: { operation: req.operation, path: req.path, data: req.data, token: req.clientToken, wrapTTL: req.wrapTTL },
  });
  initBodies: Record<string, unknown>[] = [];
  unsealBodies: Record<string, unknown>[] = [];

  get last(): LogicalHttpRequest {
    const r = this.requests.at(-1);
    if (!r) throw new Error('no request reached core');
    return r;
  }

  async handle(req: LogicalHttpRequest): Promise<CoreResult> {
    this.requests.push(req);
    const response = await this.respond(req);
    return {
      requestId: '00000000-0000-4000-8000-000000000000',
      mountType: 'kv',
      path: req.path,
      operation: req.operation,
      response,
      leaseId: '',
      leaseDuration: 0,
      renewable: false,
      auth: null,
      wrapInfo: null,
    };
  }

  async sealStatus(): Promise<SealStatus> {
    return {
      type: 'shamir', initialized: this.initializedFlag, sealed: this.sealed, t: 1, n: 1, progress: 0, nonce: '',
      version: '1.18.0+keep', build_date: '2025-01-01T00:00:00Z', migration: false, recovery_seal: false, storage_type: 'inmem',
    };
  }

  async init(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.initBodies.push(body);
    return { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.root' };
  }

  async initialized(): Promise<boolean> {
    return this.initializedFlag;
  }

  async unseal(body: Record<string, unknown>): Promise<SealStatus> {
    this.unsealBodies.push(body);
    return this.sealStatus();
  }

  async health(): Promise<HealthState> {
    return this.healthState;
  }

  async leader(): Promise<Record<string, unknown>> {
    return { ha_enabled: false, is_self: false, active_time: '0001-01-01T00:00:00Z', leader_address: '', leader_cluster_address: '', performance_standby: false, performance_standby_last_remote_wal: 0 };
  }

  isSealed(): boolean {
    return this.sealed;
  }
}
