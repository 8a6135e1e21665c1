/** Entry of the GitHub Action's post step (bundled to dist/action/post.mjs). */
import { processCiEnv } from '../env.ts';
import { runPost } from './run.ts';

process.exitCode = await runPost(processCiEnv());
