/**
 * The zod pieces every system's `connection` schema is made of, so each vendor's schema says what it
 * needs in its own folder while errors read the same across systems (the config names the key and
 * what was expected, e.g. `practices[1].connection.baseUrl: expected an http(s) URL, got "foo"`).
 */
import { z } from 'zod';

/** An http(s) URL (a path prefix is kept by the adapters). */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** A non-empty string. */
export const nonEmpty = z.string().min(1, 'expected a non-empty string');

/** A vendor id written as a string or as a whole number in the config; always a string after parsing. */
export const vendorId = z.union([nonEmpty, z.number().int().transform(String)]);
