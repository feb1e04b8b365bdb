import type { Json } from '@cadre/core';

export default function echo(input: Json): Json {
  return input;
}

export const notAFunction = 42;
