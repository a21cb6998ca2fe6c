import { describe, expect, it } from 'vitest';
import { redactErrorMessage } from '../../src/graphql/redact-errors';

describe('redactErrorMessage', () => {
  it('cuts the quoted value out of a variable error and keeps the path and the reason', () => {
    const message =
      'Variable "$input" got invalid value { number: "4111111111111111", expMonth: 12 } at "input.card"; Field "cvv" of required type "String!" was not provided.';
    const redacted = redactErrorMessage(message);
    expect(redacted).toBe(
      'Variable "$input" got invalid value at "input.card"; Field "cvv" of required type "String!" was not provided.',
    );
    expect(redacted).not.toContain('4111');
  });

  it('drops the value a scalar could not represent', () => {
    const message =
      'Variable "$input" got invalid value 4111111111111111 at "input.card.number"; String cannot represent a non string value: 4111111111111111';
    const redacted = redactErrorMessage(message);
    expect(redacted).not.toMatch(/4111/);
    expect(redacted).toContain('at "input.card.number"');
  });

  it('masks any card-shaped run of digits, grouped or not, and leaves ordinary messages alone', () => {
    expect(redactErrorMessage('card 4111 1111 1111 1111 declined')).toBe('card [redacted] declined');
    expect(redactErrorMessage('no patient "1002" in practice "smile-dental"')).toBe(
      'no patient "1002" in practice "smile-dental"',
    );
  });
});
