// Writes docs/events.md from the event schemas in libs/contracts (npx tsx scripts/gen-event-docs.ts).
// A unit test regenerates it and fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventDocs } from '../libs/contracts/src/event-docs';

writeFileSync(join(__dirname, '..', 'docs', 'events.md'), renderEventDocs());
