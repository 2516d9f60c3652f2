import type { OptionStyle } from '../errors.js';

/** camelCase library option names as the command line spells them: `skipInvalid` is `--skip-invalid`. */
export function flagName(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Options named in the library's errors, spelled as flags: `fit: 'contain'` is `--fit contain`, `skipInvalid: true` is `--skip-invalid`, a choice of fits `--fit contain|cover|fill`. */
export const flagStyle: OptionStyle = ({ option, value, choices }) => {
  if (choices) return `${flagName(option)} ${choices.join('|')}`;
  if (value === undefined || value === true) return flagName(option);
  if (value === false) return `--no-${flagName(option).slice(2)}`;
  return `${flagName(option)} ${value}`;
};
