/** Argument parsing for sub-commands (node:util parseArgs), with errors as CliError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './io';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
}

export function requireOpt(v: string | undefined, flag: string): string {
  if (!v) throw new CliError(`missing ${flag}`, 2);
  return v;
}
