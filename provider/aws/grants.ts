import {
  CreateGrantCommand,
  GrantListEntry,
  GrantOperation,
  KMSClient,
  ListGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
} from "@aws-sdk/client-kms";
import { explainKmsError, isNotFound } from "./errors";
import { allPages } from "./paging";

export interface CreateGrantInput {
  keyId: string;
  granteePrincipal: string;
  operations: string[];
  retiringPrincipal?: string;
  encryptionContextEquals?: Record<string, string>;
  encryptionContextSubset?: Record<string, string>;
  grantTokens?: string[];
  name: string;
}

/** The grant operations of KMS, each failure explained (see errors.ts). */
export class GrantApi {
  constructor(private readonly kms: Pick<KMSClient, "send">) {}

  async createGrant(input: CreateGrantInput): Promise<{ grantId: string; grantToken: string }> {
    const constraints =
      input.encryptionContextEquals || input.encryptionContextSubset
        ? { EncryptionContextEquals: input.encryptionContextEquals, EncryptionContextSubset: input.encryptionContextSubset }
        : undefined;
    try {
      const out = await this.kms.send(
        new CreateGrantCommand({
          KeyId: input.keyId,
          GranteePrincipal: input.granteePrincipal,
          Operations: input.operations as GrantOperation[],
          RetiringPrincipal: input.retiringPrincipal,
          Constraints: constraints,
          GrantTokens: input.grantTokens?.length ? input.grantTokens : undefined,
          Name: input.name,
        }),
      );
      if (!out.GrantId) throw new Error("CreateGrant returned no GrantId");
      return { grantId: out.GrantId, grantToken: out.GrantToken ?? "" };
    } catch (err) {
      throw explainKmsError(err, { operation: "CreateGrant", keyId: input.keyId, permission: "kms:CreateGrant" });
    }
  }

  /**
   * Every grant of a key, all pages (KMS pages at most 100 per call). With `grantId`, KMS filters
   * to that grant, so one call answers for one grant.
   */
  async listGrants(keyId: string, options: { grantId?: string; pageSize?: number } = {}): Promise<GrantListEntry[]> {
    try {
      return await allPages<GrantListEntry>(async (marker) => {
        const page = await this.kms.send(new ListGrantsCommand({ KeyId: keyId, GrantId: options.grantId, Marker: marker, Limit: options.pageSize ?? 100 }));
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
