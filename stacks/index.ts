/**
 * The Pulumi program. Pulumi calls the exported function and uses what it returns as the stack's
 * outputs. Everything lives in `createPlatform` so tests and the offline plan run the same code.
 */
import { createPlatform } from "./program";

export = createPlatform;
