import { expect } from "chai";
import { configureFromStack, providerSettings, stackSettingProblems } from "../../../provider/runtime/settings";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("provider settings: kms-policy:failOn and kms-policy:ignore", () => {
  afterEach(() => configureFromStack(config({})));

  it("default: only errors fail, nothing ignored", () => {
    configureFromStack(config({}));
    expect(providerSettings()).to.deep.include({ failOn: "error", lintIgnore: [] });
  });

  it("reads failOn and the Sid:rule pairs, as a list set with --path or as one string", () => {
    configureFromStack(config({ "kms-policy:failOn": "security", "kms-policy:ignore": '["Everyone:public-access"]' }));
    expect(providerSettings()).to.deep.include({ failOn: "security", lintIgnore: [{ sid: "Everyone", rule: "public-access" }] });
    configureFromStack(config({ "kms-policy:failOn": "warning", "kms-policy:ignore": "A:missing-sid,B:duplicate-sid" }));
    expect(providerSettings().lintIgnore.map((i) => i.sid)).to.deep.equal(["A", "B"]);
  });

  it("reads Sids with spaces, as the console writes them, in the string form", () => {
    configureFromStack(
      config({ "kms-policy:ignore": "Allow access for Key Administrators:cross-account-create-grant\nAllow everyone:public-access" }),
    );
    expect(providerSettings().lintIgnore).to.deep.equal([
      { sid: "Allow access for Key Administrators", rule: "cross-account-create-grant" },
      { sid: "Allow everyone", rule: "public-access" },
    ]);
  });

  it("an entry that suppresses nothing fails every check: an unknown rule id, or an old space-separated list", () => {
    configureFromStack(config({ "kms-policy:ignore": "PublicRead:public-access Legacy:missing-sid" }));
    const [joined] = stackSettingProblems();
    expect(joined.property).to.equal("kms-policy:ignore");
    expect(joined.reason).to.contain("looks like several entries").and.contain("pulumi config set kms-policy:ignore");
    configureFromStack(config({ "kms-policy:ignore": "Everyone:public-acess,Other:public-access" }));
    expect(stackSettingProblems().map((p) => p.property)).to.deep.equal(["kms-policy:ignore"]);
    expect(stackSettingProblems()[0].reason)
      .to.contain('"public-acess" is not a rule id')
      .and.contain("did you mean public-access?")
      .and.not.contain("missing-sid");
    expect(providerSettings().lintIgnore).to.deep.equal([{ sid: "Other", rule: "public-access" }]);
    // Near miss: well-formed entries are no problem.
    configureFromStack(config({ "kms-policy:ignore": "Everyone:public-access\n*:missing-sid" }));
    expect(stackSettingProblems()).to.deep.equal([]);
  });

  it("a failOn that is not error, security or warning counts as error (the resource warns about it)", () => {
    configureFromStack(config({ "kms-policy:failOn": "suggestion" }));
    expect(providerSettings().failOn).to.equal("error");
    configureFromStack(config({ "kms-policy:failOn": "loud" }));
    expect(providerSettings().failOn).to.equal("error");
  });
});
