import { cronInWords } from '../cron-words.js';

/** A cron expression as written, with its meaning in words under it (or why it has none). */
export function CronExpression({ expression }: { readonly expression: string }) {
  const words = cronInWords(expression);
  return (
    <span class="cron-expression">
      <code>{expression}</code>
      <span class={words.ok ? 'cron-words' : 'cron-words error-text'}>{words.text}</span>
    </span>
  );
}
