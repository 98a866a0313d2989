// `npm run bench -- <name>…`: runs the named benchmarks (all of them without a name) and
// prints their reports. Each benchmark measures its own baseline in the same run.
const BENCHMARKS: Record<string, () => Promise<string>> = {
  render: async () => (await import('./render.js')).benchRender(),
  pipeline: async () => (await import('./pipeline.js')).benchPipeline(),
  stats: async () => (await import('./stats.js')).benchStats(),
  lists: async () => (await import('./lists.js')).benchLists(),
  embedded: async () => (await import('./embedded.js')).benchEmbedded(),
  scaleout: async () => (await import('./scaleout.js')).benchScaleout(),
  trips: async () => (await import('./trips.js')).benchTrips(),
};

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
const unknown = names.filter((name) => !BENCHMARKS[name]);
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exit(1);
}
for (const name of names) {
  process.stdout.write(`\n## ${name}\n\n`);
  process.stdout.write(`${await BENCHMARKS[name]!()}\n`);
}
