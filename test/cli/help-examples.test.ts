import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

/** Commands a user runs: those without subcommands (`dlq replay`, not `dlq`). */
function leaves(command: Command, path: string[] = []): [string, Command][] {
  return command.commands.flatMap((c) => (c.commands.length > 0 ? leaves(c, [...path, c.name()]) : [[[...path, c.name()].join(' '), c] as [string, Command]]));
}

describe('tandem --help', () => {
  it('gives every command an example', () => {
    const commands = leaves(buildProgram());
    const missing: string[] = [];
    for (const [name, command] of commands) {
      let text = '';
      command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      command.outputHelp();
      if (!/\nExamples?:\n {2}\$ (\S+=\S+ )*tandem /.test(text)) missing.push(name);
    }
    expect(commands.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
