import * as core from '@actions/core';
import { errorMessage } from '../errors.js';

/** The action's run(): reads inputs, builds both sides, measures, compares, reports, fails on bloat. */
export async function run(): Promise<void> {
  try {
    core.setFailed('docker-size-guard: the action is not implemented yet; use the CLI (docker-size-guard measure)');
  } catch (err) {
    core.setFailed(errorMessage(err));
  }
}
