/**
 * Imports every device model so that each registers its card type
 * (src/isa/devices/registry.ts) before a machine is built.  src/isa/machine.ts
 * imports this file; add one line per new chip or card file.
 */
// Platform devices (always present).
import "./i8254.js";
import "./mc146818.js";
// Cards (the card engineer's files).
import "./ns16550.js";
import "./ne2000.js";
import "./gameport.js";
import "./lpt.js";
import "./sb16.js";
