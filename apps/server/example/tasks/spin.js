// Busy-loops forever without yielding: only a timeout or a cancel (which
// terminates the worker thread) stops it.
export default function spin() {
  for (;;) {
    // spin
  }
}
