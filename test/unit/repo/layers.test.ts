import { expect } from "chai";
import { ESLint } from "eslint";
import { ruleIds } from "../../support/eslint";
import { REPO_ROOT } from "../../support/tools";

describe("repository: npm run lint checks the layers of provider/", function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: REPO_ROOT });
  const RESTRICTED = "@typescript-eslint/no-restricted-imports";

  const refused: Array<[string, string]> = [
    ["provider/policy/x.ts", 'import { KeyApi } from "../aws/keys";\nexport const x = KeyApi;\n'],
    ["provider/policy/lint/x.ts", 'import { EXIT } from "../../cli/io";\nexport const x = EXIT;\n'],
    ["provider/policy/x.ts", 'import { KMSClient } from "@aws-sdk/client-kms";\nexport const x = KMSClient;\n'],
    ["provider/policy/x.ts", 'import * as pulumi from "@pulumi/pulumi";\nexport const x = pulumi;\n'],
    ["provider/aws/x.ts", 'import { readStackSettings } from "../runtime/settings";\nexport const x = readStackSettings;\n'],
    ["provider/drift/x.ts", 'import { UNKNOWN } from "../runtime/check";\nexport const x = UNKNOWN;\n'],
    ["provider/verdict/x.ts", 'import { checkDrift } from "../drift/check";\nexport const x = checkDrift;\n'],
    ["provider/verdict/x.ts", 'import { UNKNOWN } from "../runtime/check";\nexport const x = UNKNOWN;\n'],
    ["provider/resources/x.ts", 'import check = require("../drift/check");\nexport const x = check;\n'],
    ["provider/cli/x.ts", 'import { KeyPolicy } from "../resources/keyPolicy";\nexport const x = KeyPolicy;\n'],
    ["provider/fields/x.ts", 'import { GRANT_OPERATIONS } from "../aws/grantFacts";\nexport const x = GRANT_OPERATIONS;\n'],
    ["provider/fields/x.ts", 'import * as pulumi from "@pulumi/pulumi";\nexport const x = pulumi;\n'],
  ];
  for (const [file, source] of refused) {
    it(`refuses ${source.split("\n")[0]} in ${file}`, async () => {
      expect(await ruleIds(eslint, file, source)).to.include(RESTRICTED);
    });
  }

  it("lets a layer import the layers below it and the root modules", async () => {
    for (const [file, source] of [
      ["provider/aws/x.ts", 'import { REGION_NAME } from "../policy/grammar";\nexport const x = REGION_NAME;\n'],
      ["provider/runtime/x.ts", 'import { KeyApi } from "../aws/keys";\nexport const x = KeyApi;\n'],
      ["provider/drift/x.ts", 'import { GRANT_TYPE } from "../resourceTypes";\nexport const x = GRANT_TYPE;\n'],
      ["provider/drift/x.ts", 'import { judgeGrant } from "../verdict";\nexport const x = judgeGrant;\n'],
      ["provider/runtime/x.ts", 'import { judgeKey } from "../verdict";\nexport const x = judgeKey;\n'],
      ["provider/verdict/x.ts", 'import { GONE_KEY_STATES } from "../aws/keys";\nexport const x = GONE_KEY_STATES;\n'],
      ["provider/cli/x.ts", 'import { checkDrift } from "../drift/check";\nexport const x = checkDrift;\n'],
      ["provider/resources/x.ts", 'import grant = require("../runtime/grant");\nexport const x = grant;\n'],
      ["provider/drift/x.ts", 'import { GRANT_FIELDS } from "../fields/grant";\nexport const x = GRANT_FIELDS;\n'],
      ["provider/resources/x.ts", 'import { GRANT_FIELDS } from "../fields/grant";\nexport const x = GRANT_FIELDS;\n'],
    ])
      expect(await ruleIds(eslint, file, source), file).to.not.include(RESTRICTED);
  });
});
