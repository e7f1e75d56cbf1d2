#!/usr/bin/env node
/**
 * The `kms-policy` executable. Turns on Node's on-disk cache of compiled code (Node 22.1 and later;
 * NODE_COMPILE_CACHE moves it) before it loads the command, so that from the second run on a machine
 * the command loads without being compiled again. In the package this file is bundled as
 * kms-policy.js and `./main` is kms-policy-main.js beside it: main.ts with the command table, flags,
 * help and io, but no command; each command's module is a file of its own that main loads when that
 * command runs (scripts/bundle-cli.js).
 */
import nodeModule = require("module");

nodeModule.enableCompileCache?.();
(require("./main") as typeof import("./main")).runMain();
