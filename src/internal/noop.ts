/** Does nothing: the disposer of a listener never added, the handler of a rejection ignored on purpose. */
export function noop(): void {}
