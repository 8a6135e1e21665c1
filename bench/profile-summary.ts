/**
 * Summarises a V8 .cpuprofile: where the time went, by area (project file, npm package, Node
 * internals, GC) and by function (self and inclusive), as `file:line function` so hot spots can be
 * found in the source. Idle time is left out of the percentages.
 *
 * CLI: `node --import tsx bench/profile-summary.ts <file.cpuprofile> [topN]`
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Hot {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Non-idle sampled time, ms. */
  busyMs: number;
  idleMs: number;
  areas: Hot[];
  selfTop: Hot[];
  /** Inclusive time of functions in the project's own files (src/, bin/). */
  projectInclusiveTop: Hot[];
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function filePath(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/** The area a frame belongs to: a project file, `npm:<package>`, `node:<module>` or a V8 pseudo-frame. */
export function areaOf(frame: CallFrame, root = REPO_ROOT): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const path = filePath(url);
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith(root + '/')) return path.slice(root.length + 1);
  return path;
}

function frameName(frame: CallFrame, root: string): string {
  const fn = frame.functionName || '(anonymous)';
  if (frame.url === '') return fn;
  return `${areaOf(frame, root)}:${frame.lineNumber + 1} ${fn}`;
}

function top(map: Map<string, number>, busyUs: number, n: number): Hot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0 }));
}

function isProjectFile(area: string): boolean {
  return area.startsWith('src/') || area.startsWith('bin/');
}

export function summarize(profile: CpuProfile, topN = 25, root = REPO_ROOT): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const callerArea = (id: number): string => {
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f && f.url !== '') return areaOf(f, root);
    }
    return '?';
  };

  // Self time per node: each sample's delta goes to the node sampled.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0));
  }

  let idleUs = 0;
  let busyUs = 0;
  const areas = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const inclusiveFn = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    let area = areaOf(node.callFrame, root);
    let name = frameName(node.callFrame, root);
    if (area === '(native)') {
      // A C++ function (socket write, SQLite step, cipher): charge it to the area that called it.
      const caller = callerArea(id);
      area = `(native) from ${caller}`;
      name = `${name} [native, from ${caller}]`;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    selfFn.set(name, (selfFn.get(name) ?? 0) + us);
    // Inclusive: every distinct project function on the stack gets this node's time once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f || !isProjectFile(areaOf(f, root))) continue;
      const key = frameName(f, root);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveFn.set(key, (inclusiveFn.get(key) ?? 0) + us);
    }
  }
  return {
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    areas: top(areas, busyUs, topN),
    selfTop: top(selfFn, busyUs, topN),
    projectInclusiveTop: top(inclusiveFn, busyUs, topN),
  };
}

function table(title: string, rows: Hot[]): string {
  const lines = [title];
  for (const r of rows) lines.push(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms  ${r.name}`);
  return lines.join('\n');
}

/** Human-readable text of a summary. */
export function formatSummary(label: string, s: ProfileSummary): string {
  return [
    `CPU profile of ${label}: ${s.busyMs} ms busy, ${s.idleMs} ms idle (percentages are of busy time)`,
    table('By area (self time):', s.areas),
    table('Top functions by self time:', s.selfTop),
    table('Project functions by inclusive time:', s.projectInclusiveTop),
  ].join('\n');
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [topN]\n');
    process.exit(2);
  }
  const n = Number(process.argv[3] ?? '25');
  process.stdout.write(formatSummary(file, summarize(readProfile(file), n)) + '\n');
}
