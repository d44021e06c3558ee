import { shortId } from '../format.js';

/** A link to an execution's page, its id shortened (the full id in the title). */
export function ExecutionLink({ id }: { readonly id: string }) {
  return (
    <a href={`#/executions/${id}`} title={id}>
      <code>{shortId(id)}</code>
    </a>
  );
}
