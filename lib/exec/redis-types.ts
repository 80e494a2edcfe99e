/**
 * The types of the BullMQ executor that aril's declarations show (its connection option, what its
 * jobs carry): apart from redis.ts, so that a program type-checking against aril never loads
 * ioredis's or BullMQ's declarations.
 */

/**
 * How to reach Redis: a URL (`redis://host:6379/0`, `rediss://...`) or ioredis options (host,
 * port, password, tls ...). Typed here rather than as ioredis's own `RedisOptions`, so that a
 * program that type-checks against aril does not need ioredis's declarations (which need
 * packages without types of their own); any other ioredis option is passed on as it is.
 */
export type RedisConnection = string | RedisConnectionOptions

/** ioredis options (see its documentation); the common ones are named. */
export interface RedisConnectionOptions {
  url?: string | undefined
  host?: string | undefined
  port?: number | undefined
  username?: string | undefined
  password?: string | undefined
  db?: number | undefined
  tls?: object | undefined
  connectTimeout?: number | undefined
  [option: string]: unknown
}

/** A value that travels inline when small, or under a key of its run when large. */
export type Stored = { inline: string } | { key: string }
