import { expect } from "chai";
import { reportedGrantee } from "../../../provider/aws/grantFacts";

describe("aws: the grantee as ListGrants reports it", () => {
  it("an IAM ARN, a service principal, and the unique id KMS shows once the role was deleted", () => {
    const role = "arn:aws:iam::123456789012:role/app";
    expect(reportedGrantee({ GrantId: "g", GranteePrincipal: role })).to.deep.equal({ kind: "iam", principal: role });
    expect(reportedGrantee({ GrantId: "g", GranteeServicePrincipal: "logs.us-east-1.amazonaws.com" })).to.deep.equal({
      kind: "service",
      principal: "logs.us-east-1.amazonaws.com",
    });
    expect(reportedGrantee({ GrantId: "g", GranteePrincipal: "AROAEXAMPLEID12345678" })).to.deep.equal({
      kind: "iam",
      principal: "AROAEXAMPLEID12345678",
    });
  });

  it("a service principal in the entry is the grantee, even when GranteePrincipal carries it too", () => {
    const service = "logs.us-east-1.amazonaws.com";
    expect(reportedGrantee({ GranteePrincipal: service, GranteeServicePrincipal: service })).to.deep.equal({
      kind: "service",
      principal: service,
    });
  });

  it("an entry that names no grantee reports none", () => {
    expect(reportedGrantee({ GrantId: "g" })).to.equal(undefined);
  });
});
