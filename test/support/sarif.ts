import Ajv, { ValidateFunction } from "ajv-draft-04";
import addFormats from "ajv-formats";
import * as fs from "fs";

let compiled: ValidateFunction | undefined;

/**
 * A validator for the SARIF 2.1.0 schema (the one code scanning reads), compiled once per run.
 * The published schema has a pattern that is invalid with the u flag (`...{2}]?$`), so it is
 * compiled as ECMAScript without it.
 */
export function sarifValidator(): ValidateFunction {
  if (compiled) return compiled;
  const schemaFile = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  compiled = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, "utf8")));
  return compiled;
}
