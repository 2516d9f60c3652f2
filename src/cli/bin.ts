#!/usr/bin/env node
import { guardReason, runGuarded } from './stderr-guard.js';

// Where an allocation can fail (an address-space limit, strict overcommit), x264 prints its
// failure straight to fd 2: run the command as a child that cannot reach the terminal through
// fd 2 (stderr-guard.ts). Everywhere else, this process is the command. The command is loaded
// only then (and bundled apart, scripts/bundle-cli.mjs): the guarding parent never parses it.
const reason = guardReason();
if (reason) runGuarded(reason);
else await (await import('./run.js')).run();
