/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof`): self time by function and
 * by source file, and the share of idle, GC and native code.
 *
 *     npx tsx bench/profile-summary.ts bench/results/profiles/sqlite-W1/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function label(node: ProfileNode): { fn: string; file: string } {
  const { functionName, url, lineNumber } = node.callFrame;
  const file =
    url === ''
      ? '(native)'
      : url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  return {
    fn: `${functionName === '' ? '(anonymous)' : functionName} ${file}:${lineNumber + 1}`,
    file,
  };
}

function main(): void {
  const [path, topArg] = process.argv.slice(2);
  if (path === undefined) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
  const top = Number(topArg ?? '30');
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByFn = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined) return;
    total += dt;
    const { fn, file } = label(node);
    selfByFn.set(fn, (selfByFn.get(fn) ?? 0) + dt);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + dt);
  });
  const print = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [key, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${((us / total) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
      );
    }
  };
  console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
  print('self time by function', selfByFn);
  print('self time by file', selfByFile);
}

main();
