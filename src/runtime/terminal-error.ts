/**
 * Thrown by a reconciler when retrying cannot help (invalid spec, a resource that will never exist): the
 * controller counts and logs it but does not retry the key. The key runs again only when something enqueues it
 * (a watch event or the periodic resync), which is what a user fixing the spec causes.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
}
