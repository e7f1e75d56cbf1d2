import {
  CreateGrantCommand,
  CreateGrantCommandInput,
  GrantListEntry,
  GrantOperation,
  KMSClient,
  ListGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
} from "@aws-sdk/client-kms";
import { errorName, explainKmsError, isNotFound, KmsOperationError } from "./errors";
import { GrantParameters } from "./grantFacts";
import { allPages } from "./paging";
import { PropagationWait, retryWhilePropagating } from "./propagation";

export interface CreateGrantInput extends GrantParameters {
  keyId: string;
  grantTokens?: string[];
  name: string;
}

/** Compiles only for an object type with no properties (see createGrantRequest). */
function everyParameterSent(_unsent: Record<string, never>): void {}

/** CreateGrant's request for these parameters: each principal in its own field, as the API has them. */
function createGrantRequest(input: CreateGrantInput): CreateGrantCommandInput {
  const {
    keyId,
    granteePrincipal,
    granteeServicePrincipal,
    operations,
    retiringPrincipal,
    retiringServicePrincipal,
    constraints: c,
    grantTokens,
    name,
    ...unsent
  } = input;
  // Every parameter reaches the request: one added to GrantParameters and not sent here is left in
  // `unsent`'s type, and fails to compile. (Callers pass wider objects, so unsent is not empty at runtime.)
  everyParameterSent(unsent);
  const constraints =
    c?.encryptionContextEquals || c?.encryptionContextSubset || c?.sourceArn
      ? { EncryptionContextEquals: c.encryptionContextEquals, EncryptionContextSubset: c.encryptionContextSubset, SourceArn: c.sourceArn }
      : undefined;
  return {
    KeyId: keyId,
    GranteePrincipal: granteePrincipal,
    GranteeServicePrincipal: granteeServicePrincipal,
    Operations: operations as GrantOperation[],
    RetiringPrincipal: retiringPrincipal,
    RetiringServicePrincipal: retiringServicePrincipal,
    Constraints: constraints,
    GrantTokens: grantTokens?.length ? grantTokens : undefined,
    Name: name,
  };
}

/** The grant operations of KMS, each failure explained (see errors.ts). */
export class GrantApi {
  /** `propagation`: retry CreateGrant refused for a grantee IAM has not propagated yet (aws/propagation.ts). */
  constructor(
    private readonly kms: Pick<KMSClient, "send">,
    private readonly propagation?: PropagationWait,
  ) {}

  async createGrant(input: CreateGrantInput): Promise<{ grantId: string; grantToken: string }> {
    return retryWhilePropagating("CreateGrant", this.propagation, async () => {
      try {
        const out = await this.kms.send(new CreateGrantCommand(createGrantRequest(input)));
        if (!out.GrantId) throw new Error("CreateGrant returned no GrantId");
        return { grantId: out.GrantId, grantToken: out.GrantToken ?? "" };
      } catch (err) {
        throw explainKmsError(err, { operation: "CreateGrant", keyId: input.keyId, permission: "kms:CreateGrant" });
      }
    });
  }

  /**
   * CreateGrant with DryRun: KMS checks the call (permission, key state, grantee) and creates
   * nothing. It answers a call that would succeed with DryRunOperationException (HTTP 412), and one
   * that would fail with the error the real call would get, which this returns explained.
   */
  async dryRunCreateGrant(input: CreateGrantInput): Promise<{ ok: true } | { ok: false; error: KmsOperationError }> {
    let made: string | undefined;
    try {
      made = (await this.kms.send(new CreateGrantCommand({ ...createGrantRequest(input), DryRun: true }))).GrantId;
    } catch (err) {
      if (errorName(err) === "DryRunOperationException") return { ok: true };
      return {
        ok: false,
        error: explainKmsError(err, { operation: "CreateGrant (DryRun)", keyId: input.keyId, permission: "kms:CreateGrant" }),
      };
    }
    // Only an endpoint that ignores DryRun (an emulator) answers with a grant, which would now be
    // a grant nobody manages: the request above returned it, so revoke it before saying so.
    if (made) await this.removeGrant(input.keyId, made, "revoke");
    throw new Error(
      `CreateGrant with DryRun on key ${input.keyId} created a grant instead of answering DryRunOperationException: the endpoint ignores DryRun`,
    );
  }

  /**
   * Every grant of a key, all pages (KMS pages at most 100 per call). With `grantId`, KMS filters
   * to that grant, so one call answers for one grant.
   */
  async listGrants(keyId: string, options: { grantId?: string; pageSize?: number } = {}): Promise<GrantListEntry[]> {
    try {
      return await allPages<GrantListEntry>(async (marker) => {
        const page = await this.kms.send(
          new ListGrantsCommand({ KeyId: keyId, GrantId: options.grantId, Marker: marker, Limit: options.pageSize ?? 100 }),
        );
        return { items: page.Grants, truncated: page.Truncated, nextMarker: page.NextMarker };
      });
    } catch (err) {
      throw explainKmsError(err, { operation: "ListGrants", keyId, permission: "kms:ListGrants" });
    }
  }

  /** Revokes (or retires) a grant; one that no longer exists counts as done. */
  async removeGrant(keyId: string, grantId: string, how: "revoke" | "retire"): Promise<void> {
    try {
      if (how === "retire") await this.kms.send(new RetireGrantCommand({ KeyId: keyId, GrantId: grantId }));
      else await this.kms.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: grantId }));
    } catch (err) {
      if (isNotFound(err)) return;
      const operation = how === "retire" ? "RetireGrant" : "RevokeGrant";
      throw explainKmsError(err, { operation, keyId, permission: `kms:${operation}` });
    }
  }
}
