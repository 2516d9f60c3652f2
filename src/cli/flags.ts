import type { OptionStyle } from '../errors.js';

/** camelCase library option names as the command line spells them: `skipInvalid` is `--skip-invalid`. */
export function flagName(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Options named in the library's errors, spelled as flags: `fit: 'contain'` is `--fit contain`, `skipInvalid: true` is `--skip-invalid`. */
export const flagStyle: OptionStyle = ({ option, value }) => {
  if (value === undefined || value === true) return flagName(option);
  if (value === false) return `--no-${flagName(option).slice(2)}`;
  return `${flagName(option)} ${value}`;
};
