// Always throws an ordinary (retryable) error: shows retries and backoff.
export default function fail() {
  throw new Error('fail: this task always fails');
}
