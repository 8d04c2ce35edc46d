// zod compiles object parsers with `new Function` unless told not to; under script-src 'self'
// that probe is a CSP violation. Imported first by main.tsx, before anything parses.
import { z } from 'zod';

z.config({ jitless: true });
