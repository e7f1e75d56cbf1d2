import { KMSClient } from "@aws-sdk/client-kms";
import { Access, effectiveAccess } from "../aws/access";
import { KmsClients } from "../aws/client";
import { CredentialSource } from "../aws/credentials";
import { GrantApi } from "../aws/grants";
import { keyRegion } from "../aws/keyRef";
import { KeyApi } from "../aws/keys";
import { PropagationWait } from "../aws/propagation";
import { Clock, systemClock } from "../clock";
import { EngineLog, LogSeverity } from "./engineLog";
import { ProviderSettings, SettingProblem, StackConfig, defaultSettings, readStackSettings } from "./settings";

/** What a ProviderContext is made with; whatever is left out is the default. */
export interface ContextOptions {
  /** The one clock every wait and every timestamp of the provider uses. Default: the system's. */
  clock?: Clock;
  /** Settings instead of the defaults, until `configure` reads the stack's. */
  settings?: Partial<ProviderSettings>;
  /** Where messages to the person running pulumi go. Default: the engine's Log service, else stderr. */
  log?: EngineLog;
}

/**
 * Everything a provider's check and lifecycle read besides their arguments: the stack settings,
 * the KMS clients (with their credentials), the clock and the engine log. Each runtime module
 * makes one and the dynamic-provider host fills it with `configure`; nothing of it is module
 * state, so two contexts in one process (two providers, or a test beside a provider) share nothing.
 */
export class ProviderContext {
  readonly clock: Clock;
  private current: Readonly<ProviderSettings>;
  private refused: readonly SettingProblem[] = [];
  private readonly clients: KmsClients;
  private readonly engineLog: EngineLog;

  constructor(options: ContextOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.current = { ...defaultSettings(), ...options.settings };
    // Credentials measure their expiry on the context's clock, like every other window.
    this.clients = new KmsClients(new CredentialSource(undefined, () => this.clock.now()));
    this.engineLog = options.log ?? new EngineLog();
  }

  /** Reads the stack's settings (the host's `configure`): they replace the ones before. */
  configure(config: StackConfig): void {
    const { settings, problems } = readStackSettings(config);
    this.current = settings;
    this.refused = problems;
  }

  get settings(): Readonly<ProviderSettings> {
    return this.current;
  }

  /** Stack settings refused by their row's `problem`: every resource's check reports them. */
  get problems(): readonly SettingProblem[] {
    return this.refused;
  }

  /** Shows `message` to the person running pulumi, once per context. */
  log(severity: LogSeverity, message: string): Promise<void> {
    return this.engineLog.say(severity, message);
  }

  /** The stack's Access: `kms-policy:assumeRole` and `aws:profile`. */
  stackAccess(): Access {
    return { assumeRole: this.current.assumeRole, profile: this.current.profile };
  }

  /** The Access a resource uses: its own assumeRole or profile, else the stack's (see aws/access.ts). */
  accessFor(resource: Access): Access {
    return effectiveAccess(resource, this.stackAccess());
  }

  /** The account an Access acts in (the role's, else STS GetCallerIdentity, asked once per context). */
  accountFor(access: Access, region?: string): Promise<string> {
    return this.clients.credentials.callerAccount(access, region);
  }

  /**
   * The region for a key, by aws/keyRef.ts's keyRegion: the resource's `region`, else the region in a
   * key ARN, else the stack's `aws:region`. Undefined leaves the rest of the rule to the SDK, which
   * reads AWS_REGION and then the profile's `region` itself.
   */
  regionFor(keyId: string, region?: string): string | undefined {
    return keyRegion(keyId, { resource: region, stack: this.current.region });
  }

  /** How long IAM propagation is waited for (`kms-policy:iamPropagationSeconds`), on the context's clock. */
  propagationWait(): PropagationWait {
    return { seconds: this.current.iamPropagationSeconds, clock: this.clock };
  }

  /** The KMS client for a key (`region`: the resource's), with the stack's retry settings. */
  clientFor(keyId: string, region?: string, access: Access = {}): KMSClient {
    return this.clients.client({
      region: this.regionFor(keyId, region),
      maxAttempts: this.current.maxAttempts,
      requestTimeoutSeconds: this.current.requestTimeoutSeconds,
      access,
    });
  }

  /** The key operations for a key; `propagation`: retry a PutKeyPolicy refused while IAM propagates. */
  keyApi(keyId: string, region?: string, access?: Access, propagation = false): KeyApi {
    return new KeyApi(this.clientFor(keyId, region, access), {
      clock: this.clock,
      ...(propagation ? { propagation: this.propagationWait() } : {}),
    });
  }

  /** The grant operations for a key, retrying a CreateGrant refused while IAM propagates. */
  grantApi(keyId: string, region?: string, access?: Access): GrantApi {
    return new GrantApi(this.clientFor(keyId, region, access), this.propagationWait());
  }
}
