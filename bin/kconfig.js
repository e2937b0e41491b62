#!/usr/bin/env node
// Launcher: the real code is compiled to dist/ by `npm run build` (or npm install).
import { main } from "../dist/src/cli/kconfig.js";
await main();
