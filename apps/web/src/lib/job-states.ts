/** Job states in their lifecycle order, and what a person may do in each (core's state machine). */
import { JOB_STATES, TRANSITIONS, isFinished, type JobState } from '@cadre/client';

export { JOB_STATES, isFinished };

export const canCancel = (state: JobState): boolean => TRANSITIONS.cancel.includes(state);
export const canRetry = (state: JobState): boolean => TRANSITIONS.retry.includes(state);
