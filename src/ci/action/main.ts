/** Entry of the GitHub Action's main step (bundled to dist/action/main.mjs). */
import { processCiEnv } from '../env.ts';
import { runMain } from './run.ts';

process.exitCode = await runMain(processCiEnv());
