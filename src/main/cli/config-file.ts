// Reading an experiment config file for `run` and `sweep`: a missing file or invalid JSON is bad input (exit 2).
import { readFileSync } from 'node:fs';
import { ValidationError, oneLine } from '../../shared/errors';

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? oneLine(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`config ${path} is not valid JSON: ${oneLine(err)}`);
  }
}
