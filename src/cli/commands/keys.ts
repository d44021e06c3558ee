/** `cloacinactl keys create|list|revoke`: the API keys of a tenant's HTTP server. */
import type { Command } from 'commander';
import { API_KEY_SCOPES, type ApiKeyInfo } from '../../index.js';
import { withClient } from '../common.js';
import { print, printJson, table } from '../format.js';

function keyTable(keys: readonly ApiKeyInfo[]): string {
  return table(
    ['ID', 'SCOPE', 'CREATED', 'LAST USED', 'REVOKED', 'NAME'],
    keys.map((k) => [k.id, k.scope, k.createdAt, k.lastUsedAt, k.revokedAt, k.name]),
  );
}

/** Adds the `keys` commands to `program`. */
export function addKeyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys of the HTTP server (stored in this database or --schema)');

  keys
    .command('create')
    .description('create a key and print it once; only a hash of it is stored')
    .requiredOption('--scope <scope>', `what the key may do: ${API_KEY_SCOPES.join(' < ')}`)
    .option('--name <name>', 'a label for people')
    .action((options: { scope: string; name?: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const created = await client.createApiKey({
          scope: options.scope as ApiKeyInfo['scope'],
          ...(options.name !== undefined ? { name: options.name } : {}),
        });
        // On stderr, so that `$(cloacinactl keys create ...)` captures the key alone.
        process.stderr.write(
          `Created API key ${created.info.id} (scope ${created.info.scope}). ` +
            'Store it now: it will not be shown again.\n',
        );
        if (json === true) return printJson({ key: created.key, ...created.info });
        print(created.key);
      }),
    );

  keys
    .command('list')
    .description('list keys, oldest first (ids and scopes, never the keys)')
    .option('--all', 'include revoked keys')
    .action((options: { all?: boolean }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const list = await client.listApiKeys({ includeRevoked: options.all === true });
        if (json === true) return printJson(list);
        if (list.length === 0) {
          return print(
            options.all === true
              ? 'No API keys.'
              : "No active API keys ('keys list --all' shows revoked ones).",
          );
        }
        print(keyTable(list));
      }),
    );

  keys
    .command('revoke <id>')
    .description('revoke a key: it stops working at once')
    .action((id: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const info = await client.revokeApiKey(id);
        if (json === true) return printJson(info);
        print(`key ${info.id}: revoked`);
      }),
    );
}
