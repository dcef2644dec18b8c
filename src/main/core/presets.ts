// Experiment presets: JSON files in resources/presets, each a complete version-1 config validated at load.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { applyOverrides, parseExperimentConfig, type ExperimentConfig } from '../../shared/config';
import type { Methods, PresetSummary } from '../../shared/contract';
import { ValidationError } from '../../shared/errors';

export function loadPresets(dir: string): Map<string, PresetSummary> {
  const out = new Map<string, PresetSummary>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const name = basename(file, '.json');
    const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const config = parseExperimentConfig(raw, `preset ${name}`);
    out.set(name, { name, description: config.description ?? '', config });
  }
  return out;
}

export function getPreset(presets: Map<string, PresetSummary>, name: string): PresetSummary {
  const p = presets.get(name);
  if (!p) throw new ValidationError(`unknown preset "${name}"; known presets: ${[...presets.keys()].join(', ')}`);
  return p;
}

/** A preset or a raw config plus `--set` style overrides, as a validated config. */
export function resolveRunConfig(presets: Map<string, PresetSummary>, p: Methods['startRun']['params']): ExperimentConfig {
  const base: unknown = p.preset !== undefined ? getPreset(presets, p.preset).config : p.config;
  const withSets = p.overrides?.length ? applyOverrides(base, p.overrides) : base;
  return parseExperimentConfig(withSets);
}
