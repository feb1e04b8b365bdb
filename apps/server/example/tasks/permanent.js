// Fails in a way no retry can fix: the job fails at once, never retried.
import { PermanentFailure } from '@cadre/pool';

export default function permanent() {
  throw new PermanentFailure('permanent: this input can never succeed');
}
