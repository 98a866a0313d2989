import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// As on this machine's closed network: without the background-networking flags chromium
// keeps trying Google's hosts, and each refused connection slows the start.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Date and time inputs follow the browser's language, not the page's: French, as the console's people see them.
  '--lang=fr-FR',
];

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
