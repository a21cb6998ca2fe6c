/**
 * GraphQL's own variable checks quote the value they refused: `Variable "$input" got invalid value
 * { number: "4111…", … }`. That value is whatever the client sent — a card, a patient's name — so
 * before any error leaves the gateway (HTTP or websocket) the quoted value is cut out and any run of
 * digits long enough to be a card number is masked.
 *
 *     redactErrorMessage('Variable "$input" got invalid value { cvv: "123" } at "input.card"; Field "x" …')
 *     // 'Variable "$input" got invalid value at "input.card"; Field "x" …'
 */
import type { GraphQLFormattedError } from 'graphql';

/** 12–19 digits, possibly grouped by spaces or dashes: the shape of a card number. */
const CARD_LIKE = /\b\d(?:[ -]?\d){11,18}\b/g;

export function redactErrorMessage(message: string): string {
  let text = message;
  // `got invalid value <anything> at "path"; reason` / `got invalid value <anything>; reason`
  text = text.replace(/(Variable "\$[^"]+" got invalid value) [\s\S]*?( at "[^"]*")?; /, '$1$2; ');
  // `cannot represent a non string value: <value>` and the like quote the value after the colon.
  text = text.replace(/(cannot represent [^:]*value): [\s\S]*$/, '$1.');
  text = text.replace(/(Expected value of type "[^"]+", found) [\s\S]*?([;.]|$)/, '$1 a value of another type$2');
  return text.replace(CARD_LIKE, '[redacted]');
}

/** Apollo's `formatError`: the same error, with its message redacted. */
export function redactFormattedError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  return { ...formatted, message: redactErrorMessage(formatted.message) };
}
