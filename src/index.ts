import { run } from './action/main.js';

/* istanbul ignore next: the entry point only calls run() */
await run();
