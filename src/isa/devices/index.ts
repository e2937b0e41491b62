/**
 * Imports every device model so that each registers its card type
 * (src/isa/devices/registry.ts) before a machine is built.  src/isa/machine.ts
 * imports this file; add one line per new chip or card file.
 */
// Platform devices (always present).
import "./i8254.js";
import "./mc146818.js";
// Cards (the card engineer's files).
