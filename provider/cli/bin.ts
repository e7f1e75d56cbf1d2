#!/usr/bin/env node
/**
 * The `kms-policy` executable. Turns on Node's on-disk cache of compiled code (Node 22.1 and later;
 * NODE_COMPILE_CACHE moves it) before it loads the command, so that from the second run on a machine
 * the command loads without being compiled again. In the package, `./main` is the bundle of the
 * command and its quick commands (scripts/bundle-cli.js writes it as kms-policy.js beside this file).
 */
import nodeModule = require("module");

nodeModule.enableCompileCache?.();
(require("./main") as typeof import("./main")).runMain();
