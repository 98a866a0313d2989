import { buildWeb, webStale } from '../../scripts/build-web.mjs';

/** Browser tests open the built console: build it first when web/ changed since the last build. */
export default async function buildConsole(): Promise<void> {
  if (webStale()) await buildWeb();
}
