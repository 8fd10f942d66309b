/**
 * SQLSTATEs of a server that is not taking logins yet but will: 57P03 cannot_connect_now ("the database system
 * is starting up", recovering), 57P01 admin_shutdown (the image's entrypoint restarts the server after its
 * init). No driver import: the readiness poll decides with it before the pg driver is loaded.
 */
export const STARTING_SQLSTATES: ReadonlySet<string> = new Set(['57P03', '57P01'])
